import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from './support/clients';
import { checkClients, checkStorage, highestSeqs } from './load/checks';
import { ChatFleet, type Counters, type LoadClient } from './load/fleet';
import { Load, type LoadFigures, type SendRecord } from './load/load';
import { useCluster } from './support/fixture';
import { type MariaDbServer, startMariaDb } from './support/mariadb-server';
import { eventually } from './support/wait';

/** Offered load: 40 senders at 5.25 msg/s each, in 20 rooms of 4 (every user in 2 rooms). */
const RATE = 210;
const FLEET = { users: 40, roomsPerUser: 2, membersPerRoom: 4 };
/** Load before each fault, and after it is over. */
const BEFORE_MS = 5_000;
const AFTER_MS = 6_000;
/** Once the load stops: until every send is acked, every ack is in MySQL, every client caught up. */
const SETTLE_MS = 20_000;
const PERSIST_MS = 30_000;
const CONVERGE_MS = 15_000;
/**
 * The stream entries a killed worker had read are taken over once they have been idle for 10 s
 * (the worker's XAUTOCLAIM runs every 5 s); retry jobs it held in BullMQ wait for BullMQ's stall
 * check, about a minute. Bounded by the latter.
 */
const STALLED_PERSIST_MS = 75_000;

interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Outcome {
  load: Load;
  figures: LoadFigures;
  problems: string[];
}

/**
 * The cluster under a steady ≥ 200 msg/s from many senders in many rooms, through nginx to two
 * gateway replicas, while one fault at a time hits it: the worker, a gateway (crash and drain),
 * MySQL and Redis. The cluster gets a private MariaDB and a private Redis, so taking them away
 * disturbs nothing else on the machine. After each fault the load stops, and every acked message
 * must be in MySQL exactly once and in every member's client, in seq order with no gap.
 *
 * About 3 minutes when everything holds; a failing run waits out its timeouts, hence the margin.
 */
describe('faults under load', { timeout: 420_000 }, () => {
  let mysql: MariaDbServer;
  let fleet: ChatFleet;

  before(async () => {
    mysql = await startMariaDb();
  });
  const t = useCluster(() => ({
    gateways: 2,
    mysqlUrl: mysql.url,
    env: {
      // The load is many messages per user per second; the default limits are for humans.
      RATE_LIMIT_SEND_PER_SECOND: '1000',
      RATE_LIMIT_SEND_BURST: '2000',
      // Below the supervisor's 12 s before it SIGKILLs, so a drain can exit on its own.
      SHUTDOWN_GRACE_MS: '8000',
    },
  }));
  before(async () => {
    fleet = t.track(await ChatFleet.create(t.url, FLEET));
  });
  // Registered after useCluster, so it runs once the cluster on this MariaDB has stopped.
  after(async () => {
    await mysql?.cleanup();
  });

  /** Runs `fault` under load, then stops sending, lets everything settle, checks MySQL and every client, and prints the figures. */
  async function underLoad(
    title: string,
    fault: () => Promise<void>,
    extra: (load: Load) => Record<string, string | number> = () => ({}),
    persistMs = PERSIST_MS,
  ): Promise<Outcome> {
    const countersBefore = fleet.counters();
    const floors = fleet.floors();
    const load = new Load(fleet, t.db, { ratePerSecond: RATE });
    load.start();
    try {
      try {
        await fault();
      } finally {
        load.stop();
      }
      const settled = await load.settle(SETTLE_MS);
      const persisted = await load.persisted(persistMs);
      await fleet.converge(await highestSeqs(t.db, fleet.rooms), CONVERGE_MS);
      const storage = await checkStorage(t.db, load, fleet.rooms);
      const clients = await checkClients(t.db, fleet, floors);
      const figures = load.figures();
      const counters = difference(fleet.counters(), countersBefore);

      // Before the fault the cluster must keep up: acks as fast as messages are offered.
      const steadyAcks = ackedBetween(load.records, load.startedAt + 1_000, load.startedAt + BEFORE_MS) / ((BEFORE_MS - 1_000) / 1_000);

      const problems: string[] = [];
      if (figures.offeredPerSecond < 200) problems.push(`offered only ${figures.offeredPerSecond.toFixed(0)} msg/s`);
      if (steadyAcks < RATE * 0.9) problems.push(`the cluster acked only ${steadyAcks.toFixed(0)} msg/s of ${RATE} before the fault`);
      if (!settled) problems.push(`${load.outstanding} sends never acked (still retrying ${SETTLE_MS / 1000} s after the load stopped)`);
      if (!persisted)
        problems.push(`${figures.acked - figures.persisted} acked messages not in MySQL ${persistMs / 1000} s after the load stopped`);
      for (const [code, count] of Object.entries(figures.failed)) problems.push(`${count} sends finally refused with ${code}`);
      if (figures.ackMismatches) problems.push(`${figures.ackMismatches} retries got another id/seq than the first ack`);
      problems.push(...storage.problems, ...clients.problems);

      printFigures(title, [
        ['s', figures.seconds.toFixed(1)],
        ['sent', figures.sent],
        ['offered/s', figures.offeredPerSecond.toFixed(0)],
        ['acked/s before', steadyAcks.toFixed(0)],
        ['acked', figures.acked],
        ['failed', sum(figures.failed)],
        ['retries', figures.retries],
        ['persisted', figures.persisted],
        ['duplicates', storage.duplicates + figures.ackMismatches + clients.conflicts],
        ['missing', storage.missing],
        ['holes', storage.holes],
        ['lag max', seconds(figures.maxLagMs)],
        ['lag p50', seconds(figures.p50LagMs)],
        ['lag p99', seconds(figures.p99LagMs)],
        ['ack p50', seconds(figures.p50AckMs)],
        ['ack max', seconds(figures.maxAckMs)],
        ['reconnects', counters.disconnects],
        ['syncs', `${counters.syncs}+${counters.gapSyncs} gap`],
        ['clients behind', clients.behind],
        ...Object.entries(extra(load)),
      ]);
      const notes = [
        Object.keys(figures.errorAcks).length ? `error acks ${describeCounts(figures.errorAcks)}` : '',
        figures.interrupted.timeout + figures.interrupted.disconnect
          ? `interrupted attempts: ${figures.interrupted.timeout} timed out, ${figures.interrupted.disconnect} cut by a disconnect`
          : '',
        counters.syncFailures ? `${counters.syncFailures} failed syncs (retried)` : '',
        `${counters.redundant} redundant deliveries merged, ${counters.outOfOrder} live messages out of order`,
      ].filter(Boolean);
      console.log(`  ${notes.join('; ')}`);
      return { load, figures, problems };
    } finally {
      load.dispose();
    }
  }

  it('1. kill -9 the worker, start it 5 s later: every acked message is stored once, last_message is the highest seq', async () => {
    let killedAt = 0;
    let restartedAt = 0;
    const outcome = await underLoad(
      '1. worker kill -9, restarted after 5 s',
      async () => {
        await sleep(BEFORE_MS);
        killedAt = Date.now();
        await t.cluster.supervisor.stopOne('worker', 'SIGKILL');
        try {
          await sleep(5_000);
        } finally {
          t.cluster.supervisor.resume('worker');
          restartedAt = Date.now();
        }
        await sleep(AFTER_MS);
      },
      (load) => ({ 'acked while down': ackedBetween(load.records, killedAt, restartedAt) }),
      STALLED_PERSIST_MS,
    );
    assert.deepEqual(outcome.problems, []);
  });

  it('2. kill -9 a gateway: its clients reconnect through nginx to the other replica, sync, and miss nothing', async () => {
    const victim = busiestReplica();
    const before = fleet.on(victim);
    let killedAt = 0;
    const outcome = await underLoad(
      `2. ${victim} kill -9`,
      async () => {
        await sleep(BEFORE_MS);
        killedAt = Date.now();
        t.cluster.supervisor.signal(victim, 'SIGKILL'); // the supervisor starts it again, as an orchestrator would
        await sleep(AFTER_MS + 2_000);
      },
      () => ({
        'its clients': before.length,
        'all back in': seconds(reconnectedWithin(before, killedAt)),
      }),
    );
    const problems = [...outcome.problems, ...movedElsewhere(before, victim, killedAt)];
    if (before.length === 0) problems.push(`no client was on ${victim}`);
    // Restarted is not enough: nginx must send it new sessions again (or the next fault finds no replica).
    await replicaReady(victim);
    const readyAt = Date.now();
    const rotation = await backInRotation(victim, 30_000);
    console.log(
      `  ${victim} ready ${seconds(readyAt - killedAt)} after the kill; ${rotation ? `new sessions reach it again ${seconds(rotation - readyAt)} later` : 'nginx still sends it no new session 30 s later'}`,
    );
    if (!rotation) problems.push(`nginx sent no new session to the restarted ${victim} within 30 s of it being ready`);
    assert.deepEqual(problems, []);
  });

  it('3. MySQL unreachable for 10 s: sends are still acked, the worker retries, everything is stored once afterwards', async () => {
    let downAt = 0;
    let upAt = 0;
    const outcome = await underLoad(
      '3. MySQL down for 10 s',
      async () => {
        await sleep(BEFORE_MS);
        downAt = Date.now();
        await mysql.stop('SIGKILL');
        try {
          await sleep(10_000);
        } finally {
          upAt = Date.now(); // nothing can reach it before it is spawned
          await mysql.start();
        }
        await sleep(AFTER_MS);
      },
      (load) => ({
        'sent while down': sentBetween(load.records, downAt, upAt).length,
        'acked while down': ackedBetween(load.records, downAt, upAt),
      }),
    );
    const problems = [...outcome.problems];
    // Sends made in the outage (but not in its last second) must be acked before MySQL is back.
    const during = sentBetween(outcome.load.records, downAt, upAt - 1_000);
    const ackedInTime = during.filter((r) => r.ackedAt !== undefined && r.ackedAt < upAt).length;
    if (ackedInTime < during.length * 0.9)
      problems.push(`only ${ackedInTime} of ${during.length} sends made while MySQL was down were acked before it returned`);
    assert.deepEqual(problems, []);
  });

  it('4. SIGTERM a gateway: it drains — no new connections, in-flight sends finish, clients move, exit code 0', async () => {
    const victim = busiestReplica();
    const port = t.cluster.replicas.find((r) => r.name === victim)!.port;
    const before = fleet.on(victim);
    let termAt = 0;
    let exitedAt = 0;
    let exit: ProcessExit | undefined;
    let probes: DrainProbes = { direct: 0, directAccepted: 0, viaNginx: [] };
    const outcome = await underLoad(
      `4. ${victim} SIGTERM`,
      async () => {
        await sleep(BEFORE_MS);
        termAt = Date.now();
        const stopping = t.cluster.supervisor.stopOne(victim, 'SIGTERM') as unknown as Promise<ProcessExit | undefined>;
        [probes, exit] = await Promise.all([probeWhileDraining(port, stopping), stopping]);
        exitedAt = Date.now();
        await sleep(AFTER_MS);
      },
      (load) => ({
        'its clients': before.length,
        'all back in': seconds(reconnectedWithin(before, termAt)),
        exit: exit ? String(exit.code ?? exit.signal) : '?',
        'drained in': seconds(exitedAt - termAt),
        'error acks': sum(load.errorAcks),
        'probes refused': `${probes.direct - probes.directAccepted}/${probes.direct}`,
      }),
    ).finally(async () => {
      t.cluster.supervisor.resume(victim);
      await replicaReady(victim);
    });

    const problems = [...outcome.problems, ...movedElsewhere(before, victim, termAt)];
    if (before.length === 0) problems.push(`no client was on ${victim}`);
    if (exit?.code !== 0)
      problems.push(`${victim} exited with ${exit ? (exit.signal ?? `code ${exit.code}`) : 'nothing'} instead of code 0`);
    if (probes.directAccepted > 0)
      problems.push(`${victim} took ${probes.directAccepted} of ${probes.direct} new connections while draining`);
    const landed = probes.viaNginx.filter((replica) => replica === victim).length;
    if (landed > 0) problems.push(`nginx sent ${landed} of ${probes.viaNginx.length} new connections to ${victim} while it drained`);
    if (sum(outcome.figures.errorAcks) > 0) problems.push(`clients saw failed sends: ${describeCounts(outcome.figures.errorAcks)}`);
    assert.deepEqual(problems, []);
  });

  it('5. restart Redis: /health/ready shows the outage, everything reconnects by itself, no acked message is lost', async () => {
    const targets = [
      ...t.cluster.replicas.map((r) => ({ name: r.name, url: `http://127.0.0.1:${r.port}/health/ready` })),
      { name: 'worker', url: `${t.cluster.workerHealthUrl}/health/ready` },
    ];
    const sawDown = new Set<string>();
    const backAfter = new Map<string, number>();
    let downAt = 0;
    let upAt = 0;
    const outcome = await underLoad(
      '5. Redis killed, restarted after 6 s',
      async () => {
        await sleep(BEFORE_MS);
        downAt = Date.now();
        await t.stopRedis();
        try {
          await Promise.all(
            targets.map((target) =>
              eventually(`${target.name} not ready`, async () => (await status(target.url)) === 503, 15_000, 250)
                .then(() => sawDown.add(target.name))
                .catch(() => undefined),
            ),
          );
          await sleep(Math.max(0, downAt + 6_000 - Date.now()));
        } finally {
          upAt = Date.now(); // nothing can reach it before it is spawned
          await t.startRedis();
        }
        await Promise.all(
          targets.map((target) =>
            eventually(`${target.name} ready`, async () => (await status(target.url)) === 200, 30_000, 250)
              .then(() => backAfter.set(target.name, Date.now() - upAt))
              .catch(() => undefined),
          ),
        );
        await sleep(AFTER_MS);
      },
      (load) => ({
        'down for': seconds(upAt - downAt),
        'acked while down': ackedBetween(load.records, downAt, upAt),
        'ready again in': seconds(Math.max(0, ...backAfter.values())),
      }),
    );
    const problems = [...outcome.problems];
    for (const { name } of targets) {
      if (!sawDown.has(name)) problems.push(`${name} /health/ready never answered 503 while Redis was down`);
      if (!backAfter.has(name)) problems.push(`${name} /health/ready not 200 within 30 s of Redis returning`);
    }
    assert.deepEqual(problems, []);
  });

  function busiestReplica(): string {
    const spread = fleet.spread();
    return t.cluster.replicas.map((r) => r.name).sort((a, b) => (spread[b] ?? 0) - (spread[a] ?? 0))[0];
  }

  async function replicaReady(name: string): Promise<void> {
    const { port } = t.cluster.replicas.find((r) => r.name === name)!;
    await eventually(`${name} ready again`, async () => (await status(`http://127.0.0.1:${port}/health/ready`)) === 200, 60_000, 250);
  }

  /** When `replica` took 6 new sessions through nginx in a row (so every nginx worker uses it again), or undefined. */
  async function backInRotation(replica: string, timeoutMs: number): Promise<number | undefined> {
    const token = fleet.clients[0].session.access_token;
    let inARow = 0;
    return eventually(
      `new sessions on ${replica}`,
      async () => {
        const landed = await connect(t.url, token).then(
          ({ socket, ready }) => (socket.close(), ready.replica),
          () => undefined,
        );
        inARow = landed === replica ? inARow + 1 : 0;
        return inARow >= 6 && Date.now();
      },
      timeoutMs,
      100,
    ).catch(() => undefined);
  }

  interface DrainProbes {
    direct: number;
    directAccepted: number;
    viaNginx: string[];
  }

  /**
   * New connections while the replica drains: straight to its port, and through nginx (where they must land elsewhere).
   * Each probe starts before the exit; one answered only after it still says what the replica did.
   */
  async function probeWhileDraining(port: number, stopping: Promise<unknown>): Promise<DrainProbes> {
    let stopped = false;
    void stopping.finally(() => (stopped = true));
    const token = fleet.clients[0].session.access_token;
    const probes: DrainProbes = { direct: 0, directAccepted: 0, viaNginx: [] };
    await sleep(100); // for the signal to reach its handler: a connection made before may still be accepted
    while (!stopped) {
      const [direct, via] = await Promise.all([
        connect(`http://127.0.0.1:${port}`, token).then(
          ({ socket }) => (socket.close(), true),
          () => false,
        ),
        connect(t.url, token).then(
          ({ socket, ready }) => (socket.close(), ready.replica),
          () => undefined,
        ),
      ]);
      probes.direct++;
      if (direct) probes.directAccepted++;
      if (via) probes.viaNginx.push(via);
      await sleep(100);
    }
    return probes;
  }
});

/** Each client that was on `victim` came back on another replica after `since`, and synced its rooms. */
function movedElsewhere(clients: LoadClient[], victim: string, since: number): string[] {
  const problems: string[] = [];
  for (const client of clients) {
    const back = firstReadyAfter(client, since);
    if (!back) problems.push(`user ${client.userId} never reconnected after ${victim} went away`);
    else if (back.replica === victim) problems.push(`user ${client.userId} reconnected to ${victim} itself`);
    else if (!client.resumedAt.some((at) => at >= back.at))
      problems.push(`user ${client.userId} never re-joined and synced after reconnecting`);
  }
  return problems;
}

/** How long after `since` the last of `clients` had reconnected (Infinity if one never did). */
function reconnectedWithin(clients: LoadClient[], since: number): number {
  return Math.max(0, ...clients.map((client) => (firstReadyAfter(client, since)?.at ?? Infinity) - since));
}

function firstReadyAfter(client: LoadClient, since: number): { at: number; replica: string } | undefined {
  return client.readies.find((ready) => ready.at >= since);
}

function sentBetween(records: SendRecord[], from: number, to: number): SendRecord[] {
  return records.filter((r) => r.createdAt >= from && r.createdAt < to);
}

function ackedBetween(records: SendRecord[], from: number, to: number): number {
  return records.filter((r) => r.ackedAt !== undefined && r.ackedAt >= from && r.ackedAt < to).length;
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3_000) })).status;
  } catch {
    return 0;
  }
}

function difference(after: Counters, before: Counters): Counters {
  return Object.fromEntries(
    Object.entries(after).map(([key, value]) => [key, value - before[key as keyof Counters]]),
  ) as unknown as Counters;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((total, n) => total + n, 0);
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([key, n]) => `${key} ×${n}`)
    .join(', ');
}

function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** One scenario's figures as a two-line table: names over values. */
function printFigures(title: string, cells: [string, string | number][]): void {
  const widths = cells.map(([name, value]) => Math.max(name.length, String(value).length));
  const line = (values: string[]) => `  ${values.map((v, i) => v.padStart(widths[i])).join(' │ ')}`;
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 100 - title.length))}`);
  console.log(line(cells.map(([name]) => name)));
  console.log(line(cells.map(([, value]) => String(value))));
}
