import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import type Redis from 'ioredis';
import { createRedis, type RedisClient } from './create-redis';
import { createSubscriber } from './create-subscriber';

// The shared Redis that deploy/local/test.mjs makes reachable; pub/sub only, so no key to remove.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `redis-spec:${randomUUID()}:`;

describe('createSubscriber: a subscribe during the handshake (redis/ioredis#2037)', () => {
  const connections: Redis[] = [];
  const warnings: string[] = [];
  const logger = { log: () => undefined, warn: (line: string) => warnings.push(line) };
  /** TEST_REDIS_URL is a standalone server: its connections are Redis, not Cluster. */
  const standalone = (client: RedisClient): Redis => {
    assert.equal(client.isCluster, false);
    return client as Redis;
  };
  const connect = (create: typeof createRedis, name: string) => {
    const connection = standalone(create(REDIS_URL, `${prefix}${name}`, logger));
    connections.push(connection);
    return connection;
  };
  const admin = () => connect(createRedis, 'admin');

  afterEach(() => {
    for (const connection of connections.splice(0)) connection.disconnect();
    warnings.length = 0;
  });

  /** Runs `subscribe` on the next connect, once ioredis has written its handshake and before any reply. */
  const duringNextHandshake = (redis: Redis, subscribe: () => void) =>
    redis.once('connect', () =>
      queueMicrotask(() => {
        assert.equal(redis.status, 'connect', 'still handshaking');
        subscribe();
      }),
    );
  const subscribers = async (redis: Redis, channel: string) =>
    ((await redis.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number])[1];
  const delivers = async (sub: Redis, pub: Redis, channel: string) => {
    const received = new Promise<string>((resolve) => {
      const listener = (from: string, message: string) => {
        if (from !== channel) return;
        sub.off('smessage', listener);
        resolve(message);
      };
      sub.on('smessage', listener);
    });
    const nonce = randomUUID();
    await pub.spublish(channel, nonce);
    assert.equal(await Promise.race([received, sleep(1_000).then(() => 'nothing within 1 s')]), nonce);
  };
  /** Unlike events.once, not ended by an 'error' (the control's failed ready check emits one). */
  const ready = (redis: Redis) => new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  const countReconnects = (redis: Redis) => {
    const count = { value: 0 };
    redis.on('reconnecting', () => count.value++);
    return count;
  };

  it(
    'the installed ioredis still loses it when the ready check is on (if this fails, createSubscriber can go)',
    { timeout: 10_000 },
    async () => {
      const channel = `${prefix}control`;
      const sub = connect(createRedis, 'control');
      const reconnects = countReconnects(sub);
      duringNextHandshake(sub, () => void sub.ssubscribe(channel).catch(() => undefined));
      await ready(sub);
      assert.equal(reconnects.value, 1, 'the ready check failed and ioredis reconnected');
      assert.match(warnings.join('\n'), /Connection in subscriber mode/);
      assert.equal(sub.mode, 'normal');
      assert.equal(await subscribers(admin(), channel), 0);
    },
  );

  it('keeps it: no reconnect, and it delivers', { timeout: 10_000 }, async () => {
    const channel = `${prefix}kept`;
    const sub = connect(createSubscriber, 'kept');
    const reconnects = countReconnects(sub);
    duringNextHandshake(sub, () => void sub.ssubscribe(channel));
    await ready(sub);
    const pub = admin();
    assert.equal(await subscribers(pub, channel), 1);
    await delivers(sub, pub, channel);
    assert.equal(reconnects.value, 0);
    assert.deepEqual(warnings, []);
  });

  it('keeps its subscriptions across a reconnect, and one made during that reconnect', { timeout: 10_000 }, async () => {
    const [before, during] = [`${prefix}before`, `${prefix}during`];
    const sub = connect(createSubscriber, 'reconnect');
    await ready(sub);
    const id = await sub.client('ID');
    await sub.ssubscribe(before);
    duringNextHandshake(sub, () => void sub.ssubscribe(during));
    const pub = admin();
    await pub.client('KILL', 'ID', id);
    await ready(sub);
    // ioredis re-issues `before` just after 'ready'.
    for (let i = 0; i < 50 && (await subscribers(pub, before)) === 0; i++) await sleep(20);
    assert.deepEqual([await subscribers(pub, before), await subscribers(pub, during)], [1, 1]);
    await delivers(sub, pub, before);
    await delivers(sub, pub, during);
  });
});
