import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { type RealServices, startRealServices } from '../testing/real-services';
import { RateLimitRepository } from './rate-limit.repository';

/** Small budgets, so a test reaches each one in a few calls. */
const env = {
  RATE_LIMIT_ROOM_ACTIONS_PER_MINUTE: '3',
  RATE_LIMIT_LOGIN_PER_MINUTE: '2',
  RATE_LIMIT_REGISTER_PER_MINUTE: '2',
  RATE_LIMIT_EVENTS_PER_SECOND: '2',
};

const rateLimited = (error: unknown) => {
  assert.ok(error instanceof AppError, String(error));
  assert.equal(error.code, ErrorCode.RateLimited);
  assert.ok(error.retryAfterSeconds !== undefined && error.retryAfterSeconds >= 1, `retry after ${error.retryAfterSeconds}`);
  return true;
};

async function times(n: number, call: () => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) await call();
}

describe('RateLimitRepository (Redis)', () => {
  let services: RealServices;
  let limits: RateLimitRepository;
  let nextUser = 1;

  before(async () => {
    services = await startRealServices({ env });
    limits = new RateLimitRepository(services.redis, services.keys, services.config);
  });
  after(() => services?.close());

  it('refuses room actions past the budget with RATE_LIMITED and a retry delay, per user', async () => {
    const user = nextUser++;
    await times(3, () => limits.consumeRoomAction(user));
    await assert.rejects(limits.consumeRoomAction(user), rateLimited);
    await limits.consumeRoomAction(nextUser++);
  });

  it('lets a burst of socket events through, then refuses', async () => {
    const user = nextUser++;
    await times(4, () => limits.consumeEvent(user));
    await assert.rejects(limits.consumeEvent(user), rateLimited);
  });

  it('limits sign-ups per address, registrations apart from guests', async () => {
    await times(2, () => limits.consumeSignup('register', '203.0.113.7'));
    await assert.rejects(limits.consumeSignup('register', '203.0.113.7'), rateLimited);
    await limits.consumeSignup('guest', '203.0.113.7');
    await limits.consumeSignup('register', '203.0.113.8');
  });

  it('limits logins per address and per account from that address, never the account from elsewhere', async () => {
    await times(2, () => limits.consumeLogin('198.51.100.1', 'ann@medium.test'));
    await assert.rejects(limits.consumeLogin('198.51.100.1', 'bob@medium.test'), rateLimited, 'the address is spent');
    await times(2, () => limits.consumeLogin('198.51.100.2', 'ann@medium.test'));
  });

  it("slows an account's logins down once its failures pass the budget", async () => {
    const email = 'slow@medium.test';
    let started = performance.now();
    await limits.slowLoginOf(email);
    assert.ok(performance.now() - started < 100, 'no failures: no wait');
    await times(3, () => limits.recordLoginFailure(email));
    started = performance.now();
    await limits.slowLoginOf(email);
    assert.ok(performance.now() - started >= 200, 'one failure past the budget: about 250 ms');
  });

  it('refuses with UNAVAILABLE when Redis cannot answer', async () => {
    const gone = services.connectRedis('gone');
    await gone.quit();
    const cut = new RateLimitRepository(gone, services.keys, services.config);
    await assert.rejects(cut.consumeRoomAction(nextUser++), { code: ErrorCode.Unavailable });
  });
});
