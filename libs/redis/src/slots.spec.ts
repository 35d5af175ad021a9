import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisClient } from './create-redis';
import { bySlot } from './slots';

const cluster = { isCluster: true } as RedisClient;
const single = { isCluster: false } as RedisClient;

describe('bySlot', () => {
  it('keeps everything together on one server', () => {
    assert.deepEqual(
      bySlot(single, ['a', 'b', 'c'], (k) => k),
      [['a', 'b', 'c']],
    );
    assert.deepEqual(
      bySlot(single, [], (k: string) => k),
      [],
    );
  });

  it('splits by slot on a cluster, hash tags together, parts and items in their first order', () => {
    const keys = ['room:{1}:seq', 'room:{2}:seq', 'room:{1}:recent', 'user:9', 'room:{2}:sent:3:x'];
    assert.deepEqual(
      bySlot(cluster, keys, (k) => k),
      [['room:{1}:seq', 'room:{1}:recent'], ['room:{2}:seq', 'room:{2}:sent:3:x'], ['user:9']],
    );
  });
});
