import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { redisKeys } from '@chat/contracts';
import { ChatFleet } from './load/fleet';
import { underLoad } from './load/under-load';
import { api, registerUser } from './support/clients';
import { useCluster } from './support/fixture';
import { type RedisCluster, startRedisCluster } from './support/redis-topology';

const RATE = 150;
const FLEET = { users: 24, roomsPerUser: 2, membersPerRoom: 4 };
const LOAD_MS = 6_000;

/**
 * The cluster with every Redis role on a Redis Cluster of 3 masters and 3 replicas (private
 * redis-servers): sends, broadcasts across gateway replicas, retries, history and moderation
 * work as on one server, with the rooms' keys and sharded channels spread over the masters; a
 * master killed with SIGKILL under load loses no acknowledged message (REDIS_ACK_REPLICAS=1, the
 * default on a Cluster).
 */
describe('on a Redis Cluster', { timeout: 300_000 }, () => {
  let redis: RedisCluster;
  before(async () => {
    redis = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  });
  const t = useCluster(() => ({
    gateways: 2,
    redisUrl: redis.url,
    env: { RATE_LIMIT_SEND_PER_SECOND: '1000', RATE_LIMIT_SEND_BURST: '2000' },
  }));
  // Registered after useCluster, so it runs once the cluster has stopped.
  after(async () => {
    await redis?.stop();
  });
  let fleet: ChatFleet;
  before(async () => {
    fleet = t.track(await ChatFleet.create(t.url, FLEET));
  });

  const loaded = (during: () => Promise<void>) => underLoad(t.db, fleet, during, { ratePerSecond: RATE });

  it("relays, stores and numbers every room's messages, with the rooms' keys and channels spread over the masters", async () => {
    const outcome = await loaded(() => sleep(LOAD_MS));
    assert.deepEqual(outcome.problems, []);
    assert.ok(outcome.figures.acked > RATE * 3, `${outcome.figures.acked} acked`);

    const keys = redisKeys(t.prefix, { clusterState: true });
    const keysPerMaster = countBy(fleet.rooms.map((room) => redis.portForKey(keys.roomSeq(room))));
    const channelsPerMaster = new Map<number, number>();
    const probesPerMaster = new Map<number, number>();
    for (const port of redis.masterPorts()) {
      const node = new Redis({ host: '127.0.0.1', port });
      try {
        const channels = (await node.call('PUBSUB', 'SHARDCHANNELS', `${t.prefix}*`)) as string[];
        channelsPerMaster.set(port, channels.length);
        probesPerMaster.set(port, channels.filter((channel) => channel.startsWith(`${t.prefix}health:`)).length);
      } finally {
        node.disconnect();
      }
    }
    console.log(`  rooms' seq keys per master: ${perPort(keysPerMaster)}; sharded channels per master: ${perPort(channelsPerMaster)}`);
    assert.equal(keysPerMaster.size, 3, 'the rooms are spread over the three masters');
    assert.equal([...channelsPerMaster.values()].filter((n) => n > 0).length, 3, 'so are their channels');
    assert.deepEqual(
      [...probesPerMaster.values()].map((n) => n >= 2),
      [true, true, true],
      "each gateway's readiness probe listens on every master",
    );
  });

  it('kill -9 of a master under load: its replica takes over and no acknowledged message is lost', async () => {
    const keys = redisKeys(t.prefix, { clusterState: true });
    const victim = redis.portForKey(keys.roomSeq(fleet.rooms[0]));
    let failoverMs = 0;
    const outcome = await loaded(async () => {
      await sleep(3_000);
      const killedAt = Date.now();
      await redis.killMaster(victim);
      await redis.waitForFailover(victim);
      failoverMs = Date.now() - killedAt;
      // As an orchestrator would: the old master comes back, as a replica of the promoted one.
      await redis.restart(victim);
      await sleep(4_000);
    });
    console.log(
      `  master ${victim} killed: failover took ${(failoverMs / 1000).toFixed(1)} s; ${outcome.figures.acked} acked, ${outcome.lost} lost`,
    );
    assert.deepEqual(outcome.problems, []);
  });

  it('answers a retry with the first ack, and moderates across replicas', async () => {
    const owner = await registerUser(t.url);
    const member = await registerUser(t.url);
    const created = await api<{ id: number }>(t.url, 'POST', '/rooms', {
      token: owner.access_token,
      body: { name: 'cluster room', invitedUserIds: [member.user.id] },
    });
    assert.equal(created.status, 201);
    const room = created.body.id;
    const send = () =>
      api<{ id: string; seq: number }>(t.url, 'POST', `/rooms/${room}/messages`, {
        token: member.access_token,
        body: { content: 'once', clientMsgId: 'cluster-retry' },
      });
    const first = await send();
    const again = await send();
    assert.equal(first.status, 202);
    assert.deepEqual(again.body, first.body);
    const kick = await api(t.url, 'DELETE', `/rooms/${room}/members/${member.user.id}`, { token: owner.access_token });
    assert.ok(kick.status < 300, `kick: ${kick.status}`);
    const refused = await api(t.url, 'POST', `/rooms/${room}/messages`, { token: member.access_token, body: { content: 'still here?' } });
    assert.equal(refused.status, 403);
  });
});

function countBy(values: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function perPort(counts: Map<number, number>): string {
  return [...counts].map(([port, n]) => `${port}: ${n}`).join(', ');
}
