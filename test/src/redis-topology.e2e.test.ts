import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import Redis, { Cluster } from 'ioredis';
import { keySlot, type RedisCluster, type SentinelSet, startRedisCluster, startSentinelSet } from './support/redis-topology';

/** Whether a pid still names a process (a reaped child's does not). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The Sentinel and Cluster fixtures the fault suites build on, checked against the real thing:
 * ioredis follows a failover each fixture causes and waits out, no acknowledged write is lost, and
 * stop() leaves no process and no directory behind. About 20 s.
 */
describe('redis topologies', { timeout: 60_000 }, () => {
  describe('Sentinel set', () => {
    let set: SentinelSet | undefined;
    let client: Redis | undefined;
    after(async () => {
      client?.disconnect();
      await set?.stop();
    });

    it('fails over to the replica, ioredis follows, and stop() leaves nothing', async (t) => {
      let started = Date.now();
      set = await startSentinelSet({ replicas: 1, sentinels: 3, masterName: 'chat' });
      t.diagnostic(`sentinel set up in ${Date.now() - started} ms: ${set.url}`);
      const [s1, s2, s3] = set.sentinels.map((s) => s.port);
      assert.equal(set.url, `redis+sentinel://127.0.0.1:${s1},127.0.0.1:${s2},127.0.0.1:${s3}/chat`);
      assert.deepEqual(
        set.nodes.map((node) => node.role),
        ['master', 'replica', 'sentinel', 'sentinel', 'sentinel'],
      );
      assert.ok(set.nodes.every((node) => node.alive && node.port !== 6379));
      const primary = await set.primaryPort();
      assert.equal(primary, set.nodes[0].port);

      client = new Redis({ sentinels: set.sentinels, name: set.masterName, maxRetriesPerRequest: 50 });
      // While the primary is down, ioredis reports each refused reconnection: expected here.
      client.on('error', () => undefined);
      await client.set('topology:key', 'before-failover');
      assert.equal(await client.call('WAIT', '1', '1000'), 1, 'the replica acknowledges the write');

      started = Date.now();
      assert.equal(await set.killPrimary(), primary);
      const promoted = await set.waitForFailover(primary, 20_000);
      t.diagnostic(`sentinel failover :${primary} → :${promoted} in ${Date.now() - started} ms`);
      assert.notEqual(promoted, primary);
      assert.equal(promoted, set.nodes[1].port);
      assert.equal(await set.primaryPort(), promoted);

      assert.equal(await client.get('topology:key'), 'before-failover');
      assert.deepEqual(await client.config('GET', 'port'), ['port', String(promoted)], 'ioredis is on the new primary');
      await client.set('topology:key', 'after-failover');

      started = Date.now();
      await set.restart(primary);
      t.diagnostic(`old primary :${primary} back as a replica in ${Date.now() - started} ms`);
      assert.equal(set.nodes[0].role, 'replica');
      assert.equal(await client.call('WAIT', '1', '1000'), 1, 'the old primary replicates from the new one');
      client.disconnect();
      client = undefined;

      const pids = set.pids();
      assert.equal(pids.length, 6, 'five processes, one restarted');
      await set.stop();
      await set.stop();
      assert.deepEqual(
        pids.filter((pid) => exists(pid)),
        [],
        'no process left',
      );
      assert.equal(existsSync(set.dir), false);
    });
  });

  describe('Redis Cluster', () => {
    let cluster: RedisCluster | undefined;
    let client: Cluster | undefined;
    after(async () => {
      client?.disconnect();
      await cluster?.stop();
    });

    it('hashes keys like Redis', () => {
      assert.equal(keySlot('123456789'), 12739); // the Redis Cluster specification's test vector
      assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
      assert.equal(keySlot('{user1000}.following'), keySlot('user1000'));
      assert.equal(keySlot('foo{}{bar}'), keySlot('foo{}{bar}'.slice(0))); // an empty tag: the whole key
      assert.notEqual(keySlot('foo{}{bar}'), keySlot('bar'));
      assert.equal(keySlot('foo{{bar}}zap'), keySlot('{bar'));
    });

    it('promotes a replica, ioredis follows, no key is lost, and stop() leaves nothing', async (t) => {
      let started = Date.now();
      cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
      t.diagnostic(`cluster up in ${Date.now() - started} ms: ${cluster.url}`);
      assert.equal(cluster.url, `redis+cluster://${cluster.startupNodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`);
      const masters = cluster.masterPorts();
      assert.equal(masters.length, 3);
      assert.equal(cluster.nodes.filter((node) => node.role === 'replica').length, 3);
      assert.equal(
        cluster.nodes.reduce((sum, node) => sum + node.slots.reduce((n, [a, b]) => n + b - a + 1, 0), 0),
        16_384,
      );
      for (const replica of cluster.nodes.filter((node) => node.role === 'replica')) {
        assert.ok(replica.masterPort !== undefined && masters.includes(replica.masterPort));
      }

      client = new Cluster(cluster.startupNodes, { redisOptions: { connectTimeout: 1_000 } });
      client.on('error', () => undefined);
      const keys = Array.from({ length: 30 }, (_, i) => `topology:{k${i}}:value`);
      assert.equal(new Set(keys.map((key) => cluster!.portForKey(key))).size, 3, 'the keys land on all three masters');
      for (const key of keys.slice(0, 5)) {
        assert.equal(await client.call('CLUSTER', 'KEYSLOT', key), keySlot(key), `CLUSTER KEYSLOT ${key}`);
      }
      for (const key of keys) {
        // WAIT is keyless: in the key's pipeline it runs on the key's master, after the SET.
        const results = await client.pipeline().set(key, key).call('WAIT', '1', '1000').exec();
        assert.deepEqual(results, [
          [null, 'OK'],
          [null, 1],
        ]);
      }

      const victim = cluster.portForKey(keys[0]);
      const replica = cluster.nodes.find((node) => node.masterPort === victim)!.port;
      started = Date.now();
      await cluster.killMaster(victim);
      const promoted = await cluster.waitForFailover(victim, 20_000);
      t.diagnostic(`cluster failover :${victim} → :${promoted} in ${Date.now() - started} ms`);
      assert.equal(promoted, replica);
      assert.equal(cluster.portForKey(keys[0]), promoted);
      assert.deepEqual(cluster.masterPorts().sort(), masters.map((port) => (port === victim ? promoted : port)).sort());

      for (const key of keys) assert.equal(await client.get(key), key, key);

      started = Date.now();
      await cluster.restart(victim);
      t.diagnostic(`old master :${victim} back as a replica in ${Date.now() - started} ms`);
      const back = cluster.nodes.find((node) => node.port === victim)!;
      assert.equal(back.role, 'replica');
      assert.equal(back.masterPort, promoted);
      client.disconnect();
      client = undefined;

      const pids = cluster.pids();
      assert.equal(pids.length, 7, 'six processes, one restarted');
      await cluster.stop();
      await cluster.stop();
      assert.deepEqual(
        pids.filter((pid) => exists(pid)),
        [],
        'no process left',
      );
      assert.equal(existsSync(cluster.dir), false);
    });
  });
});
