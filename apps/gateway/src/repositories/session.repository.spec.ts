import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@chat/contracts';
import type { AuthUser } from '../common/auth-user';
import { type RealServices, startRealServices } from '../testing/real-services';
import { SessionRepository } from './session.repository';

describe('SessionRepository (Redis)', () => {
  let services: RealServices;
  let sessions: SessionRepository;
  let nextUser = 1;

  before(async () => {
    services = await startRealServices();
    sessions = new SessionRepository(services.redis, services.keys);
  });
  after(() => services?.close());

  /** A token of `userId` issued `ageMs` ago, living an hour from then. */
  const token = (userId: number, ageMs = 0): AuthUser => {
    const issuedAtMs = Date.now() - ageMs;
    const iat = Math.floor(issuedAtMs / 1000);
    return { id: userId, role: 'user', jti: randomUUID(), iat, issuedAtMs, exp: iat + 3600 };
  };

  it('revokes one token until it would have expired, and no other', async () => {
    const userId = nextUser++;
    const revoked = token(userId);
    const sibling = token(userId);
    await sessions.revoke(revoked);
    assert.equal(await sessions.isRevoked(revoked), true);
    assert.equal(await sessions.isRevoked(sibling), false);
    const ttl = await services.redis.ttl(services.keys.revokedToken(revoked.jti));
    assert.ok(ttl > 3500 && ttl <= 3600, `ttl ${ttl}`);
  });

  it('remembers nothing for a token that has already expired', async () => {
    const expired = { ...token(nextUser++), exp: Math.floor(Date.now() / 1000) - 1 };
    await sessions.revoke(expired);
    assert.equal(await services.redis.exists(services.keys.revokedToken(expired.jti)), 0);
  });

  it('voids every token a user holds now, and none issued after the cut-off', async () => {
    const userId = nextUser++;
    const held = token(userId, 1);
    const cutoff = await sessions.revokeAllOf(userId, 3600);
    assert.equal(await sessions.isRevoked(held), true);
    assert.equal(await sessions.isRevoked({ ...token(userId), issuedAtMs: cutoff }), false);
    assert.equal(await sessions.isRevoked(token(nextUser++, 1)), false, "another user's tokens are untouched");
    const ttl = await services.redis.ttl(services.keys.tokensNotBefore(userId));
    assert.ok(ttl > 3590 && ttl <= 3601, `ttl ${ttl}`);
  });

  it('only ever moves the cut-off forward', async () => {
    const userId = nextUser++;
    const later = Date.now() + 60_000;
    await services.redis.set(services.keys.tokensNotBefore(userId), String(later));
    assert.equal(await sessions.revokeAllOf(userId, 3600), later);
    assert.equal(await services.redis.get(services.keys.tokensNotBefore(userId)), String(later));
    assert.equal(await sessions.isRevoked(token(userId)), true, 'a token from before the later cut-off stays void');
  });

  it('reads a cut-off written in epoch seconds by an older release', async () => {
    const userId = nextUser++;
    await services.redis.set(services.keys.tokensNotBefore(userId), String(Math.floor(Date.now() / 1000)));
    assert.equal(await sessions.isRevoked(token(userId, 5_000)), true);
    assert.equal(await sessions.isRevoked(token(userId, -5_000)), false);
    assert.ok((await sessions.revokeAllOf(userId, 60)) > 1e12, 'rewritten in ms');
  });

  it('fails closed with UNAVAILABLE when Redis cannot answer', async () => {
    const gone = services.connectRedis('gone');
    await gone.quit();
    const cut = new SessionRepository(gone, services.keys);
    await assert.rejects(cut.isRevoked(token(nextUser++)), { code: ErrorCode.Unavailable });
  });
});
