import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { type ContactView, ErrorCode, type Page, type UserView } from '@chat/contracts';
import type { UserEntity } from '@chat/database';
import { AuthService, PasswordHasher } from '../auth';
import { AppError } from '../common/app-error';
import type { AuthUser } from '../common/auth-user';
import { toUserView } from '../common/user-view';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { SessionRepository } from '../repositories/session.repository';
import { UserCache } from '../repositories/user.cache';
import { UsersRepository } from '../repositories/users.repository';
import type { ContactsQueryDto, SiteBanDto, UpdateUserDto, UsersQueryDto } from './dto/user.dto';

/** The updated user; after a change of one's own password, with the one token that still works. */
export type UpdatedUser = UserView & { access_token?: string };

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly userCache: UserCache,
    private readonly auth: AuthService,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionRepository,
    private readonly realtime: RealtimeRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(caller: AuthUser, query: UsersQueryDto): Promise<Page<UserView>> {
    requireSiteAdmin(caller);
    const limit = query.limit ?? 50;
    const rows = await this.users.search({ q: query.q, before: query.cursor, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { items: page.map(toUserView), nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
  }

  /** Anyone signed in: the people they share a room with, to start a direct conversation. */
  async contacts(caller: AuthUser, query: ContactsQueryDto): Promise<Page<ContactView>> {
    const limit = query.limit ?? 50;
    const rows = await this.users.contactsOf(caller.id, { q: query.q, after: query.cursor, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { items: page, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
  }

  async get(caller: AuthUser, id: number): Promise<UserView> {
    requireSelfOrAdmin(caller, id);
    return toUserView(await this.require(id));
  }

  /**
   * A new password voids every token of the user (a thief's included) and disconnects their
   * sockets everywhere; a user who changed their own gets a fresh token back.
   */
  async update(caller: AuthUser, id: number, dto: UpdateUserDto): Promise<UpdatedUser> {
    requireSelfOrAdmin(caller, id);
    const user = await this.require(id);
    if (dto.password !== undefined && user.role === 'guest') throw new AppError(ErrorCode.Forbidden, 'Guests have no password');
    const changes: Partial<UserEntity> = {
      ...(dto.nickname === undefined ? {} : { nickname: dto.nickname }),
      ...(dto.password === undefined ? {} : { passwordHash: await this.passwords.hash(dto.password) }),
    };
    if (Object.keys(changes).length === 0) return toUserView(user);
    await this.users.update(id, changes);
    await this.userCache.changed(id);
    const updated = { ...user, ...changes };
    if (dto.password === undefined) return toUserView(updated);
    const cutoff = await this.sessions.revokeAllOf(id, this.config.auth.jwtTtlSeconds);
    this.realtime.disconnectUser(id);
    if (caller.id !== id) return toUserView(updated);
    return { ...toUserView(updated), access_token: await this.auth.issueToken(updated, cutoff) };
  }

  /** A site ban voids the user's tokens and disconnects their sockets on every replica at once. */
  async setBan(caller: AuthUser, id: number, dto: SiteBanDto): Promise<UserView> {
    requireSiteAdmin(caller);
    if (id === caller.id) throw new AppError(ErrorCode.Forbidden, 'You cannot ban yourself');
    const user = await this.require(id);
    const changes = dto.banned ? { bannedAt: new Date(), banReason: dto.reason ?? null } : { bannedAt: null, banReason: null };
    await this.users.update(id, changes);
    await this.userCache.changed(id);
    // Lifting a ban leaves the cut-off where the ban put it: tokens from before the ban stay void.
    if (dto.banned) {
      await this.sessions.revokeAllOf(id, this.config.auth.jwtTtlSeconds);
      this.realtime.disconnectUser(id);
    }
    return toUserView({ ...user, ...changes });
  }

  private async require(id: number): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError(ErrorCode.NotFound, `User ${id} does not exist`);
    return user;
  }
}

function requireSiteAdmin(caller: AuthUser): void {
  if (caller.role !== 'admin') throw new AppError(ErrorCode.Forbidden, 'Site admins only');
}

function requireSelfOrAdmin(caller: AuthUser, id: number): void {
  if (caller.id !== id && caller.role !== 'admin') throw new AppError(ErrorCode.Forbidden, 'You can only see and change your own account');
}
