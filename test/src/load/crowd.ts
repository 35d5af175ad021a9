import type { Pool } from 'mysql2/promise';
import type { Session } from '@chat/contracts';
import { checkClients, highestSeqs } from './checks';
import { connectErrorsOf, type OpenOptions, openPaced, type Population, recipeClientOptions, roomOf, spreadOf } from './connections';
import { ChatFleet, LoadClient } from './fleet';
import { DeliveryTally, MessageMix, type MixFigures, checkStored, waitStored } from './storm';

/** One user of a crowd: their session, their rooms and the source address their socket binds to. */
export interface CrowdMember {
  session: Session;
  rooms: number[];
  address?: string;
}

/**
 * One socket per member, each a LoadClient following the reconnection recipe, with what a storm
 * measurement needs around them: the fleet (gap repair, convergence, checkClients) and the tally
 * of live deliveries. The end-to-end suites hold one in the test process; each generator process
 * of the connection-scale run holds a share of the big one.
 */
export class Crowd {
  readonly clients: LoadClient[];
  readonly fleet: ChatFleet;
  readonly tally: DeliveryTally;

  constructor(url: string, members: CrowdMember[], rooms: number[], readyTimeoutMs?: number) {
    this.clients = members.map((m) => new LoadClient(url, m.session, m.rooms, recipeClientOptions(m.address, readyTimeoutMs)));
    this.fleet = ChatFleet.of(this.clients, rooms);
    this.tally = new DeliveryTally(this.clients);
  }

  /** The crowd of `population`, user i on `addresses[i]`. */
  static of(url: string, population: Population, addresses: string[] = [], readyTimeoutMs?: number): Crowd {
    const members = population.sessions.map((session, i) => ({ session, rooms: [roomOf(population, i)], address: addresses[i] }));
    return new Crowd(url, members, population.rooms, readyTimeoutMs);
  }

  open(options: OpenOptions): Promise<void> {
    return openPaced(this.clients, options);
  }

  spread(): Record<string, number> {
    return spreadOf(this.clients);
  }

  connectErrors(): Record<string, number> {
    return connectErrorsOf(this.clients);
  }

  /** Clients connected to `replica` right now. */
  on(replica: string): LoadClient[] {
    return this.clients.filter((client) => client.replica === replica);
  }

  /** Whether every client is connected (has had its `ready` and not lost it since). */
  get allConnected(): boolean {
    return this.clients.every((client) => client.connected);
  }

  /** A mix from `share` of the clients, evenly spaced through the crowd (so through its rooms and replicas), started at once. */
  startMix(share: number, perSenderPerSecond: number, tag?: string): MessageMix {
    const every = Math.max(1, Math.round(1 / share));
    const mix = new MessageMix({ senders: this.clients.filter((_, i) => i % every === 0), perSenderPerSecond, tag });
    mix.start();
    return mix;
  }

  close(): void {
    this.fleet.close();
  }
}

export interface SettledMix {
  figures: MixFigures;
  /** Client-rooms whose view differs from MySQL. */
  behind: number;
  problems: string[];
  /** One line on retries, syncs and merges, for the log. */
  notes: string;
}

/**
 * After a mix has stopped: waits for its acks, for the worker to write every acked message, and
 * for every client to hold its rooms up to their highest stored seq; then checks that every acked
 * message is in MySQL once, as acked, and that every client holds exactly what MySQL stored for
 * its rooms since it first joined (live or by sync: no gap, no stranger, no seq held twice), and
 * that no client got a message live twice. What does not hold is listed in `problems`.
 */
export async function settleAndCheck(db: Pool, crowd: Crowd, mix: MessageMix, timeoutMs = 20_000): Promise<SettledMix> {
  const problems: string[] = [];
  if (!(await mix.settle(timeoutMs))) problems.push(`${mix.outstanding} sends never acked`);
  const figures = mix.figures();
  if (figures.failed) problems.push(`${figures.failed} sends finally refused (${listCounts(figures.errorAcks)})`);
  if (!(await waitStored(db, figures.acked, [mix.tag], 30_000))) problems.push('not every acked message reached MySQL within 30 s');
  await crowd.fleet.converge(await highestSeqs(db, crowd.fleet.rooms), timeoutMs);
  const stored = await checkStored(db, mix.sends, [mix.tag]);
  const clients = await checkClients(db, crowd.fleet);
  const liveDuplicates = crowd.tally.duplicates(mix.tag);
  problems.push(...stored.problems, ...clients.problems);
  if (liveDuplicates) problems.push(`${liveDuplicates} live deliveries of a message the client already had`);
  const counters = crowd.fleet.counters();
  const notes = [
    Object.keys(figures.errorAcks).length ? `error acks ${listCounts(figures.errorAcks)}` : 'no error ack',
    `interrupted sends: ${figures.interrupted.timeout} timed out, ${figures.interrupted.disconnect} cut by a disconnect`,
    `${counters.syncs} resume syncs, ${counters.gapSyncs} gap syncs, ${counters.syncFailures} failed`,
    `${counters.redundant} redundant deliveries merged`,
  ].join('; ');
  return { figures, behind: clients.behind, problems, notes };
}

/** How many rooms have their members on 1, 2, 3… replicas: a storm must hit rooms that also have members elsewhere. */
export function roomsAcrossReplicas(clients: LoadClient[]): Map<number, number> {
  const replicasOf = new Map<number, Set<string>>();
  for (const client of clients)
    for (const room of client.rooms) replicasOf.set(room, (replicasOf.get(room) ?? new Set()).add(client.replica ?? 'none'));
  const rooms = new Map<number, number>();
  for (const set of replicasOf.values()) rooms.set(set.size, (rooms.get(set.size) ?? 0) + 1);
  return rooms;
}

/** A two-line table (names over values) for a test's log. */
export function figureTable(rows: [string, string | number][]): string {
  const widths = rows.map(([key, value]) => Math.max(key.length, String(value).length));
  return [
    `| ${rows.map(([key], i) => key.padEnd(widths[i])).join(' | ')} |`,
    `| ${rows.map(([, value], i) => String(value).padEnd(widths[i])).join(' | ')} |`,
  ].join('\n');
}

export function listCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}

export function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '∞';
}

export function millis(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : '–';
}
