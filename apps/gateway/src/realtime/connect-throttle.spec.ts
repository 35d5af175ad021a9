import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtendedError } from 'socket.io';
import type { ServerBusyData } from '@chat/contracts';
import type { ChatSocket } from '../repositories/realtime.repository';
import { connectThrottle, TokenBucket } from './connect-throttle';

describe('TokenBucket', () => {
  it('admits a burst at once, then the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [{ ok: true }, { ok: true }, { ok: true }]);
    assert.deepEqual(bucket.take(), { ok: false, waitMs: 100 });
    now = 50;
    assert.deepEqual(bucket.take(), { ok: false, waitMs: 50 });
    now = 100;
    assert.deepEqual(bucket.take(), { ok: true });
  });

  it('never saves up more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    now = 60_000;
    const admitted = Array.from({ length: 5 }, () => bucket.take()).filter((t) => t.ok).length;
    assert.equal(admitted, 2);
  });
});

describe('connectThrottle', () => {
  const attempt = (middleware: ReturnType<typeof connectThrottle>): ExtendedError | undefined => {
    let outcome: ExtendedError | undefined;
    middleware({} as ChatSocket, (error) => (outcome = error));
    return outcome;
  };

  it('refuses past the rate with server_busy and a retry-after that grows with the crowd', () => {
    let now = 0;
    const throttle = connectThrottle(100, 10, () => now);
    for (let i = 0; i < 10; i++) assert.equal(attempt(throttle), undefined);
    const delays: number[] = [];
    for (let i = 0; i < 300; i++) {
      const refusal = attempt(throttle);
      assert.equal(refusal?.message, 'server_busy');
      const data = refusal?.data as ServerBusyData;
      assert.equal(data.code, 'UNAVAILABLE');
      delays.push(data.retryAfterMs);
    }
    // 300 refused within a second at 100 admissions a second: the last one is ~3 s of work away.
    assert.ok((delays[0] ?? Infinity) <= 20, `first retry-after ${delays[0]}`);
    assert.equal(delays.at(-1), 3_000);
    // A second later the crowd of the last second still counts.
    now = 1_000;
    for (let i = 0; i < 100; i++) attempt(throttle);
    const later = attempt(throttle)?.data as ServerBusyData;
    assert.ok(later.retryAfterMs >= 3_000, `retry-after ${later.retryAfterMs}`);
  });
});
