import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsWhere, In, LessThan, Like, type Repository } from 'typeorm';
import { UserEntity } from '@chat/database';
import { ReplicaReads } from './replica-reads';
import { escapeLike, isDuplicateKey } from './sql';

@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly reads: ReplicaReads,
  ) {}

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** Includes the password hash, which is never selected otherwise. */
  findByEmailWithSecret(email: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where('u.email = :email', { email }).getOne();
  }

  async countWithPasswordHash(hashes: string[]): Promise<number> {
    return hashes.length === 0 ? 0 : this.users.countBy({ passwordHash: In(hashes) });
  }

  findMany(ids: number[]): Promise<UserEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.users.findBy({ id: In(ids) });
  }

  /** The stored user, or null if its email is already registered. */
  async insert(user: Omit<UserEntity, 'id'>): Promise<UserEntity | null> {
    try {
      const { identifiers } = await this.users.insert(user);
      return { ...user, id: Number(identifiers[0]?.id) };
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  async update(id: number, fields: Partial<Omit<UserEntity, 'id'>>): Promise<void> {
    await this.users.update({ id }, fields);
  }

  /** The directory, from a replica: newest first, keyset-paginated on id; `q` matches the start of a nickname or email. */
  search(query: { q?: string; before?: number; limit: number }): Promise<UserEntity[]> {
    const idBelow = query.before === undefined ? {} : { id: LessThan(query.before) };
    const where: FindOptionsWhere<UserEntity>[] = query.q
      ? [
          { ...idBelow, nickname: Like(`${escapeLike(query.q)}%`) },
          { ...idBelow, email: Like(`${escapeLike(query.q.toLowerCase())}%`) },
        ]
      : [idBelow];
    return this.reads.run((db) => db.getRepository(UserEntity).find({ where, order: { id: 'DESC' }, take: query.limit }));
  }

  /**
   * People who share a live room with the user (not the user, not site-banned), ordered by id
   * after `after`; `q` matches anywhere in the nickname. From a replica.
   */
  async contactsOf(userId: number, query: { q?: string; after?: number; limit: number }): Promise<ContactRow[]> {
    const rows = await this.reads.run((db) =>
      db.query<Record<string, unknown>[]>(
        // Driven from the user's own memberships: it reads their rooms' members, never the whole users table.
        `SELECT DISTINCT u.id, u.nickname, u.role
           FROM room_members mine
           JOIN rooms r ON r.id = mine.room_id AND r.deleted_at IS NULL
           JOIN room_members theirs ON theirs.room_id = mine.room_id AND theirs.user_id > ? AND theirs.user_id <> mine.user_id
           JOIN users u ON u.id = theirs.user_id AND u.banned_at IS NULL
          WHERE mine.user_id = ? ${query.q ? 'AND u.nickname LIKE ?' : ''}
          ORDER BY u.id
          LIMIT ?`,
        [query.after ?? 0, userId, ...(query.q ? [`%${escapeLike(query.q)}%`] : []), query.limit],
      ),
    );
    return rows.map((row) => ({ id: Number(row.id), nickname: String(row.nickname), role: row.role as ContactRow['role'] }));
  }

  /** Whether the two users share a live room. */
  async shareARoom(userId: number, otherId: number): Promise<boolean> {
    const rows = await this.users.query<unknown[]>(
      `SELECT 1 FROM room_members a
         JOIN room_members b ON b.room_id = a.room_id AND b.user_id = ?
         JOIN rooms r ON r.id = a.room_id AND r.deleted_at IS NULL
        WHERE a.user_id = ? LIMIT 1`,
      [otherId, userId],
    );
    return rows.length > 0;
  }
}

export interface ContactRow {
  id: number;
  nickname: string;
  role: UserEntity['role'];
}
