import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JwtService } from '@nestjs/jwt';
import { ErrorCode } from '@chat/contracts';
import { UserEntity } from '@chat/database';
import { RateLimitRepository } from '../repositories/rate-limit.repository';
import { SessionRepository } from '../repositories/session.repository';
import { UserCache } from '../repositories/user.cache';
import { UsersRepository } from '../repositories/users.repository';
import { type RealServices, startRealServices } from '../testing/real-services';
import { disconnected, type RealtimeServer, startRealtimeServer } from '../testing/realtime-server';
import { AuthService } from './auth.service';
import { PasswordHasher } from './password-hasher';

describe('AuthService (MariaDB, Redis)', () => {
  let services: RealServices;
  let socketServer: RealtimeServer;
  let users: UsersRepository;
  let sessions: SessionRepository;
  let auth: AuthService;
  let nextIp = 1;
  let nextEmail = 1;

  before(async () => {
    services = await startRealServices({ env: { RATE_LIMIT_REGISTER_PER_MINUTE: '2' } });
    socketServer = await startRealtimeServer(services);
    users = new UsersRepository(services.db.getRepository(UserEntity), services.reads);
    sessions = new SessionRepository(services.redis, services.keys);
    auth = new AuthService(
      users,
      new UserCache(users, services.pub, services.sub, services.keys),
      new JwtService({ secret: services.config.auth.jwtSecret }),
      sessions,
      new RateLimitRepository(services.redis, services.keys, services.config),
      socketServer.realtime,
      new PasswordHasher(services.config),
      services.config,
    );
  });
  after(() => services?.close());

  /** Each test signs up from its own address, so the per-address budgets stay out of its way. */
  const ip = () => `192.0.2.${nextIp++}`;
  const account = () => ({ email: `Person${nextEmail++}@Medium.Test`, password: 'correct horse battery', nickname: 'person' });

  it('registers an account whose token verifies, with its email lowercased', async () => {
    const dto = account();
    const session = await auth.register(dto, ip());
    assert.equal(session.user.email, dto.email.toLowerCase());
    const verified = await auth.verify(session.access_token);
    assert.deepEqual([verified.id, verified.role], [session.user.id, 'user']);
    const [row] = await services.db.query<{ password_hash: string }[]>('SELECT password_hash FROM users WHERE id = ?', [session.user.id]);
    assert.match(row.password_hash, /^\$2[aby]\$04\$/, 'hashed at the cheapest cost the config allows');
  });

  it('refuses a second registration of an email, whatever its case (CONFLICT)', async () => {
    const dto = account();
    await auth.register(dto, ip());
    await assert.rejects(auth.register({ ...dto, email: dto.email.toUpperCase() }, ip()), { code: ErrorCode.Conflict });
  });

  it('refuses registrations past the per-address budget (RATE_LIMITED)', async () => {
    const from = ip();
    await auth.register(account(), from);
    await auth.register(account(), from);
    await assert.rejects(auth.register(account(), from), { code: ErrorCode.RateLimited });
  });

  it('logs in with the right password only, and never a banned account', async () => {
    const dto = account();
    const { user } = await auth.register(dto, ip());
    assert.equal((await auth.login({ email: dto.email, password: dto.password }, ip())).user.id, user.id);
    await assert.rejects(auth.login({ email: dto.email, password: 'wrong' }, ip()), { code: ErrorCode.Unauthorized });
    await assert.rejects(auth.login({ email: 'nobody@medium.test', password: dto.password }, ip()), { code: ErrorCode.Unauthorized });
    await users.update(user.id, { bannedAt: new Date(), banReason: 'abuse' });
    await assert.rejects(auth.login({ email: dto.email, password: dto.password }, ip()), { code: ErrorCode.Banned });
  });

  it("logs out one token: it stops verifying and its sockets are closed, the user's other sessions live on", async () => {
    const dto = account();
    const first = await auth.verify((await auth.register(dto, ip())).access_token);
    const secondToken = (await auth.login(dto, ip())).access_token;
    const second = await auth.verify(secondToken);
    const loggedOut = await socketServer.connect(first.id, { jti: first.jti });
    const stays = await socketServer.connect(second.id, { jti: second.jti });
    const closed = disconnected(loggedOut);
    await auth.logout(first);
    await closed;
    await assert.rejects(auth.assertLive(first), { code: ErrorCode.Unauthorized });
    assert.equal((await auth.verify(secondToken)).id, first.id);
    assert.equal(stays.connected, true);
  });

  it('refuses tokens from before a revocation cut-off, and accepts one issued for it', async () => {
    const { access_token: old, user } = await auth.register(account(), ip());
    const cutoff = await sessions.revokeAllOf(user.id, services.config.auth.jwtTtlSeconds);
    await assert.rejects(auth.verify(old), { code: ErrorCode.Unauthorized });
    const entity = await users.findById(user.id);
    assert.ok(entity);
    assert.equal((await auth.verify(await auth.issueToken(entity, cutoff))).id, user.id);
  });

  it('creates a guest shown by the network part of its address', async () => {
    const { user, access_token: token } = await auth.guest({ nickname: 'visitor' }, '203.0.113.45');
    assert.deepEqual([user.role, user.email, user.maskedIp, user.nickname], ['guest', null, '203.0.xxx.xxx', 'visitor']);
    assert.equal((await auth.verify(token)).role, 'guest');
  });

  it('refuses a missing, forged or malformed token (UNAUTHORIZED)', async () => {
    await assert.rejects(auth.verify(undefined), { code: ErrorCode.Unauthorized });
    const forged = await new JwtService({ secret: 'another-secret-of-enough-length' }).signAsync({ sub: 1, jti: 'x', iat_ms: Date.now() });
    await assert.rejects(auth.verify(forged), { code: ErrorCode.Unauthorized });
    const noJti = await new JwtService({ secret: services.config.auth.jwtSecret }).signAsync({ sub: 1 }, { expiresIn: 60 });
    await assert.rejects(auth.verify(noJti), { code: ErrorCode.Unauthorized });
  });
});
