import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectRefusal } from '@chat/contracts';
import { diffCounts, populate, sourceAddresses } from './load/connections';
import { Crowd, figureTable, listCounts, millis, roomsAcrossReplicas, seconds, settleAndCheck } from './load/crowd';
import { percentiles } from './bench/generator';
import { backAfter, survivorsClass } from './load/storm';
import type { LoadClient } from './load/fleet';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/** 1,200 users in 120 rooms of 10, one socket each: about 400 on each of the three replicas. */
const USERS = 1_200;
const ROOM_SIZE = 10;
/**
 * Per replica, far below what it could take, so the storm of a third of the sockets arriving at
 * two replicas in about a second exceeds it several times over (a full bucket admits CONNECT_BURST at once).
 */
const ADMISSION = { CONNECT_RATE_PER_SECOND: '50', CONNECT_BURST: '25' };
/** The crowd's ramp-up, under the 150/s the three replicas admit together. */
const RAMP_PER_SECOND = 100;
/** 5 % of the sockets send a message a second to their room: 60 msg/s, 600 deliveries/s. */
const MIX = { share: 0.05, perSenderPerSecond: 1 };
const BEFORE_MS = 4_000;
const AFTER_MS = 3_000;
/**
 * Every affected client is back (`ready`) within this long of the fault, about three times what
 * was measured on a 2-core machine over repeated runs: after the kill, 400 clients at two replicas
 * admitting 50/s each, 5.6–7.2 s; in the rolling restart, up to 600 clients of one replica, 7.6–16.3 s.
 */
const BACK_WITHIN_MS = { kill: 22_000, restart: 50_000 };
/** The survivors' existing clients' delivery p99 during the storm, on a shared 2-core machine (the full-size run checks 250 ms). */
const SURVIVORS_P99_MS = 1_000;

/**
 * Reconnect storms under a steady message mix, in rooms whose members sit on every replica. A: the
 * replica holding a third of the sockets is killed (and kept down); its clients come back through
 * nginx to the two others as the contract's recipe says (SOCKET_RECONNECTION for the lost
 * transport, reconnectDelayMs after `server_busy`). Each replica admits connections at a low
 * bounded rate, so the storm meets refusals. What must hold: (a) refusals were `server_busy` and no
 * attempt timed out or failed otherwise, (b) everyone is back within a bound, (c) every client's
 * view of its room equals what MySQL stored (live or by sync, no gap, no duplicate), and (d) the
 * clients that stayed on the survivors kept their latency. B: a rolling restart, one SIGTERM at a
 * time, each replica draining and back before the next; (b) and (c) again.
 *
 * About 80 s on a 2-core machine (1,200 sockets); the full-size storm is `npm run bench -- --connections 20000`.
 */
describe('reconnect storms', { timeout: 240_000 }, () => {
  const t = useCluster({
    gateways: 3,
    env: {
      ...ADMISSION,
      // Below the supervisor's 12 s before it SIGKILLs, so a drain can exit on its own.
      SHUTDOWN_GRACE_MS: '8000',
    },
  });
  let crowd: Crowd;

  before(async () => {
    const startedAt = Date.now();
    const population = await populate(t.url, { users: USERS, roomSize: ROOM_SIZE });
    const populatedAt = Date.now();
    crowd = t.track(Crowd.of(t.url, population, sourceAddresses(USERS)));
    await crowd.open({ perSecond: RAMP_PER_SECOND });
    console.log(
      `  ${USERS} users in ${population.rooms.length} rooms in ${seconds(populatedAt - startedAt)}, ` +
        `their sockets open in ${seconds(Date.now() - populatedAt)}: ${listCounts(crowd.spread())}`,
    );
  });

  after(() => crowd?.close());

  it('A. SIGKILL the replica holding a third of the sockets: server_busy, everyone back in time, nothing lost, survivors unhurt', async () => {
    const spread = crowd.spread();
    const victim = Object.keys(spread).sort((a, b) => spread[b] - spread[a])[0];
    const survivors = t.cluster.replicas.map((r) => r.name).filter((name) => name !== victim);
    const rooms = roomsAcrossReplicas(crowd.clients);
    const mix = crowd.startMix(MIX.share, MIX.perSenderPerSecond);
    let killAt = 0;
    let allBackAt = 0;
    try {
      await sleep(BEFORE_MS);
      const affected = crowd.on(victim);
      const errorsBefore = crowd.connectErrors();
      killAt = Date.now();
      crowd.tally.classify = survivorsClass([victim], killAt);
      await t.cluster.supervisor.stopOne(victim, 'SIGKILL'); // down for good until resumed below
      const allBack = await everyoneBack(affected, killAt, BACK_WITHIN_MS.kill + 20_000);
      allBackAt = allBack ?? Date.now();
      await sleep(AFTER_MS);
      mix.stop();
      const errors = diffCounts(crowd.connectErrors(), errorsBefore);
      const outcome = await settleAndCheck(t.db, crowd, mix);
      const back = backAfter(affected, killAt);
      const ready = percentiles(back.readyMs);
      const resumed = percentiles(back.resumedMs);
      const survivorsLatency = crowd.tally.latency(mix.tag, 'survivors').summary(killAt, allBackAt);
      const baseline = crowd.tally.latency(mix.tag, 'all').summary(-Infinity, killAt);
      const busy = errors[ConnectRefusal.ServerBusy] ?? 0;
      const otherErrors = diffCounts(errors, { [ConnectRefusal.ServerBusy]: busy });

      const across = [...rooms].map(([replicas, count]) => `${count} with members on ${replicas}`).join(', ');
      console.log(`  A. ${victim} SIGKILL with ${affected.length} of ${USERS} sockets; rooms: ${across} replicas`);
      console.log(
        figureTable([
          ['affected', affected.length],
          ['all back in', allBack ? seconds(allBack - killAt) : 'never'],
          ['ready p50/p99', `${seconds(ready.p50)} / ${seconds(ready.p99)}`],
          ['resumed max', seconds(resumed.max)],
          ['server_busy', busy],
          ['other errors', listCounts(otherErrors) || 0],
          ['landed on', listCounts(back.landedOn)],
          ['sent', outcome.figures.sent],
          ['acked', outcome.figures.acked],
          ['retried', outcome.figures.retried],
          ['survivors p50/p99', `${millis(survivorsLatency.p50)} / ${millis(survivorsLatency.p99)} (${survivorsLatency.count})`],
          ['before p50/p99', `${millis(baseline.p50)} / ${millis(baseline.p99)}`],
        ]),
      );
      console.log(`  ${outcome.notes}`);

      const problems = [...outcome.problems];
      if (affected.length < USERS / 4) problems.push(`${victim} held only ${affected.length} sockets`);
      if (rooms.get(1)) problems.push(`${rooms.get(1)} rooms had all their members on one replica`);
      // (a) the storm met the admission limit, and every refusal was that limit's: no timeout, no transport error.
      if (busy === 0) problems.push('no server_busy refusal during the storm');
      if (Object.keys(otherErrors).length > 0) problems.push(`connect errors other than server_busy: ${listCounts(otherErrors)}`);
      // (b) everyone back, within the bound, on the survivors.
      if (!allBack)
        problems.push(`${back.affected - back.back} clients not back, ${crowd.clients.filter((c) => !c.connected).length} disconnected`);
      else if (allBack - killAt > BACK_WITHIN_MS.kill) problems.push(`all back only after ${seconds(allBack - killAt)}`);
      if (back.landedOn[victim]) problems.push(`${back.landedOn[victim]} clients back on ${victim}, which is down`);
      // (d) the clients that stayed kept their latency.
      if (survivorsLatency.count < 100) problems.push(`only ${survivorsLatency.count} deliveries to the survivors' clients in the storm`);
      if (!(survivorsLatency.p99 < SURVIVORS_P99_MS)) problems.push(`survivors' p99 ${millis(survivorsLatency.p99)} during the storm`);
      if (!survivors.every((name) => (crowd.spread()[name] ?? 0) > 0)) problems.push('a survivor holds no socket');
      assert.deepEqual(problems, []);
    } finally {
      mix.dispose();
      // Back for the rolling restart, empty: nginx's least_conn sends it the next storm's clients first.
      t.cluster.supervisor.resume(victim);
      await replicaReady(victim);
    }
  });

  it('B. rolling restart: SIGTERM one replica at a time, each drains and is back before the next; everyone back in time, nothing lost', async () => {
    const mix = crowd.startMix(MIX.share, MIX.perSenderPerSecond);
    const problems: string[] = [];
    try {
      await sleep(BEFORE_MS);
      const pending = t.cluster.replicas.map((r) => r.name);
      while (pending.length > 0) {
        // The busiest replica not yet restarted: one restarted empty (after scenario A) fills up as the others drain.
        const spread = crowd.spread();
        const name = pending.sort((a, b) => (spread[b] ?? 0) - (spread[a] ?? 0)).shift()!;
        const affected = crowd.on(name);
        const errorsBefore = crowd.connectErrors();
        const termAt = Date.now();
        crowd.tally.classify = survivorsClass([name], termAt);
        const exit = (await t.cluster.supervisor.stopOne(name, 'SIGTERM')) as { code: number | null; signal: string | null } | undefined;
        const exitedAt = Date.now();
        t.cluster.supervisor.resume(name);
        await replicaReady(name);
        const readyAt = Date.now();
        const allBack = await everyoneBack(affected, termAt, BACK_WITHIN_MS.restart + 20_000);
        const errors = diffCounts(crowd.connectErrors(), errorsBefore);
        const back = backAfter(affected, termAt);
        const busy = errors[ConnectRefusal.ServerBusy] ?? 0;
        const survivorsLatency = crowd.tally.latency(mix.tag, 'survivors').summary(termAt, allBack ?? Date.now());
        console.log(`  B. ${name} SIGTERM with ${affected.length} of ${USERS} sockets`);
        console.log(
          figureTable([
            ['exit', exit ? String(exit.code ?? exit.signal) : '?'],
            ['drained in', seconds(exitedAt - termAt)],
            ['ready again', seconds(readyAt - termAt)],
            ['all back in', allBack ? seconds(allBack - termAt) : 'never'],
            ['ready p99', seconds(percentiles(back.readyMs).p99)],
            ['server_busy', busy],
            ['other errors', listCounts(diffCounts(errors, { [ConnectRefusal.ServerBusy]: busy })) || 0],
            ['landed on', listCounts(back.landedOn)],
            ['survivors p99', `${millis(survivorsLatency.p99)} (${survivorsLatency.count})`],
          ]),
        );
        if (affected.length === 0) problems.push(`${name} held no socket`);
        if (exit?.code !== 0) problems.push(`${name} exited with ${exit ? (exit.signal ?? `code ${exit.code}`) : 'nothing'}, not code 0`);
        // (b) everyone back within the bound (on the others, or on the restarted replica once it is ready again).
        if (!allBack) problems.push(`${name}: ${back.affected - back.back} clients not back`);
        else if (allBack - termAt > BACK_WITHIN_MS.restart) problems.push(`${name}: all back only after ${seconds(allBack - termAt)}`);
        if (!allBack) break;
      }
      await sleep(AFTER_MS);
      mix.stop();
      // (c) after all three restarts, every client's view is what MySQL stored.
      const outcome = await settleAndCheck(t.db, crowd, mix);
      console.log(
        `  B. rolling restart: ${outcome.figures.sent} sent, ${outcome.figures.acked} acked, ${outcome.figures.retried} retried; ${outcome.notes}`,
      );
      problems.push(...outcome.problems);
      assert.deepEqual(problems, []);
    } finally {
      mix.dispose();
      for (const { name } of t.cluster.replicas) if (!t.cluster.supervisor.pid(name)) t.cluster.supervisor.resume(name);
    }
  });

  /** When every client is connected again and each of `affected` has had a `ready` since `since`; undefined if not within `timeoutMs`. */
  function everyoneBack(affected: LoadClient[], since: number, timeoutMs: number): Promise<number | undefined> {
    return eventually(
      'every client back',
      () => Promise.resolve(crowd.allConnected && affected.every((c) => c.readies.some((r) => r.at >= since)) && Date.now()),
      timeoutMs,
      50,
    ).catch(() => undefined);
  }

  async function replicaReady(name: string): Promise<void> {
    const { port } = t.cluster.replicas.find((r) => r.name === name)!;
    await eventually(
      `${name} ready again`,
      async () => (await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) })).ok,
      60_000,
      100,
    );
  }
});
