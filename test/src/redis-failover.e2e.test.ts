import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkStorage } from './load/checks';
import { ChatFleet } from './load/fleet';
import { Load } from './load/load';
import { useCluster } from './support/fixture';
import { type SentinelSet, startSentinelSet } from './support/redis-topology';

/** Offered load: 24 senders at ~6 msg/s each, in 12 rooms of 4 (every user in 2 rooms). */
const RATE = 150;
const FLEET = { users: 24, roomsPerUser: 2, membersPerRoom: 4 };
const BEFORE_MS = 4_000;
const AFTER_MS = 5_000;
const SETTLE_MS = 30_000;
const PERSIST_MS = 30_000;

interface Failover {
  acked: number;
  /** Acked, yet not in MySQL once everything settled. */
  lost: number;
  duplicates: number;
  failoverMs: number;
  problems: string[];
}

/**
 * Redis behind Sentinel (a primary, two replicas, three sentinels, all private redis-servers) for
 * every role, the cluster on top of it, a steady load, and the primary killed with SIGKILL: the
 * sentinels promote the replica, gateways and worker follow it by themselves. With
 * REDIS_ACK_REPLICAS=1 (the default on Sentinel) a message is acked only once the replica has
 * its stream entry, so none is lost. With 0 the suite only reports what the same fault lost: it
 * depends on what the replicas had not received when the primary died. With a single replica,
 * REDIS_ACK_REPLICAS=1 would refuse every send (UNAVAILABLE) from the failover until a replica
 * is back: run at least two.
 */
describe('Redis Sentinel failover under load', { timeout: 300_000 }, () => {
  for (const ackReplicas of [1, 0]) {
    describe(`REDIS_ACK_REPLICAS=${ackReplicas}`, () => {
      let sentinel: SentinelSet;
      before(async () => {
        // Two replicas: once one is promoted, REDIS_ACK_REPLICAS=1 still has one to wait for.
        sentinel = await startSentinelSet({ replicas: 2 });
      });
      const t = useCluster(() => ({
        gateways: 2,
        redisUrl: sentinel.url,
        env: { REDIS_ACK_REPLICAS: String(ackReplicas), RATE_LIMIT_SEND_PER_SECOND: '1000', RATE_LIMIT_SEND_BURST: '2000' },
      }));
      // Registered after useCluster, so it runs once the cluster has stopped.
      after(async () => {
        await sentinel?.stop();
      });

      it(`kill -9 of the primary under load: ${ackReplicas === 1 ? 'no acknowledged message is lost' : 'what is lost is reported'}`, async () => {
        const outcome = await failover();
        print(`REDIS_ACK_REPLICAS=${ackReplicas}`, outcome);
        if (ackReplicas === 1) {
          assert.deepEqual(outcome.problems, []);
          assert.equal(outcome.lost, 0);
        }
        assert.equal(outcome.duplicates, 0, 'a retry is never stored twice, whatever Redis lost');
      });

      async function failover(): Promise<Failover> {
        const fleet = t.track(await ChatFleet.create(t.url, FLEET));
        const load = new Load(fleet, t.db, { ratePerSecond: RATE });
        load.start();
        let failoverMs = 0;
        try {
          await sleep(BEFORE_MS);
          const killedAt = Date.now();
          const old = await sentinel.killPrimary();
          await sentinel.waitForFailover(old);
          failoverMs = Date.now() - killedAt;
          // As an orchestrator would: the old primary comes back, as a replica of the new one.
          await sentinel.restart(old);
          await sleep(AFTER_MS);
        } finally {
          load.stop();
        }
        const problems: string[] = [];
        if (!(await load.settle(SETTLE_MS))) problems.push(`${load.outstanding} sends never acked`);
        const persisted = await load.persisted(PERSIST_MS);
        const figures = load.figures();
        const storage = await checkStorage(t.db, load, fleet.rooms);
        if (!persisted) problems.push(`${figures.acked - figures.persisted} acked messages not in MySQL`);
        for (const [code, count] of Object.entries(figures.failed)) problems.push(`${count} sends finally refused with ${code}`);
        problems.push(...storage.problems);
        load.dispose();
        return {
          acked: figures.acked,
          lost: storage.missing,
          duplicates: storage.duplicates + figures.ackMismatches,
          failoverMs,
          problems,
        };
      }
    });
  }
});

function print(title: string, outcome: Failover): void {
  const { acked, lost, duplicates, failoverMs, problems } = outcome;
  console.log(
    `  ${title}: ${acked} acked, ${lost} lost, ${duplicates} duplicated; failover took ${(failoverMs / 1000).toFixed(1)} s${problems.length ? `; ${problems.join('; ')}` : ''}`,
  );
}
