import { randomBytes } from 'node:crypto';
import { SOCKET_RECONNECTION, type Session } from '@chat/contracts';
import { mapLimit } from '../bench/population';
import { createRoom, registerUser } from '../support/clients';
import { freshAddress } from '../support/source-address';
import type { LoadClient, LoadClientOptions } from './fleet';

/**
 * Sockets one source address holds at most. nginx caps open connections per client address
 * (render.mjs, connLimitPerAddress = 200); half of it leaves room for a reconnecting client whose
 * old connection nginx has not closed yet.
 */
export const SOCKETS_PER_ADDRESS = 100;

/** Users, each a member of exactly one room of `roomSize`: room r holds users r·size … r·size + size − 1. */
export interface Population {
  sessions: Session[];
  /** Room ids, in creation order. */
  rooms: number[];
  roomSize: number;
}

export interface PopulateOptions {
  users: number;
  roomSize: number;
  /** Registrations in flight at once (each a bcrypt hash on some replica). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Users and rooms through the API as a client would make them: a registration needs no login,
 * and one POST /rooms with invitedUserIds makes a whole room, so 20,000 users take about a minute
 * (the test cluster hashes passwords with bcrypt cost 4 and lifts the per-IP sign-up limit).
 */
export async function populate(url: string, options: PopulateOptions): Promise<Population> {
  const { users, roomSize, concurrency = 16, onProgress } = options;
  if (users % roomSize !== 0) throw new Error(`${users} users do not fill rooms of ${roomSize}`);
  const tag = randomBytes(3).toString('hex');
  let done = 0;
  const sessions = await mapLimit(
    Array.from({ length: users }, (_, i) => i),
    concurrency,
    async (i) => {
      const session = await registerUser(url, `c${tag}${i.toString(36)}`);
      if (++done % 1_000 === 0) onProgress?.(done, users);
      return session;
    },
  );
  const rooms = await mapLimit(
    Array.from({ length: users / roomSize }, (_, r) => sessions.slice(r * roomSize, (r + 1) * roomSize)),
    Math.max(1, concurrency / 2),
    ([owner, ...invited]) =>
      createRoom(url, owner, { name: `crowd ${tag}`, isPrivate: true, invitedUserIds: invited.map((s) => s.user.id) }),
  );
  return { sessions, rooms, roomSize };
}

/** The room user `index` of `population` belongs to. */
export function roomOf(population: Population, index: number): number {
  return population.rooms[Math.floor(index / population.roomSize)];
}

/**
 * A loopback source address for each of `count` sockets, `perAddress` to an address: nginx counts
 * connections per client address, and each (source address, destination) pair has only ~28,000
 * ephemeral ports. Addresses come from freshAddress, so they are distinct within this process;
 * generator processes get theirs from the parent.
 */
export function sourceAddresses(count: number, perAddress = SOCKETS_PER_ADDRESS): string[] {
  const addresses: string[] = [];
  let current = '';
  for (let i = 0; i < count; i++) {
    if (i % perAddress === 0) current = freshAddress();
    addresses.push(current);
  }
  return addresses;
}

/**
 * A load client that behaves as the contract's reconnection recipe says (SOCKET_RECONNECTION for
 * a lost transport; LoadClient's `server_busy` backoff), from `address`.
 */
export function recipeClientOptions(address: string | undefined, readyTimeoutMs = 120_000): LoadClientOptions {
  return { socket: { ...SOCKET_RECONNECTION, ...(address ? { localAddress: address } : {}) }, readyTimeoutMs };
}

export interface OpenOptions {
  /** New connections per second this caller starts (the ramp), whatever the replicas admit. */
  perSecond: number;
  /** open() calls (connect, ready, join_room) in flight at once. */
  concurrency?: number;
  onProgress?: (opened: number, total: number) => void;
}

/**
 * Opens `clients` at a steady pace: a connection every 1/perSecond s, at most `concurrency`
 * unfinished. A burst of thousands at once would only measure the listen backlogs; the pace says
 * what the ramp-up asked of the replicas. Fails with the first client that could not open, after
 * the others have settled.
 */
export async function openPaced(clients: LoadClient[], options: OpenOptions): Promise<void> {
  const { perSecond, concurrency = 50, onProgress } = options;
  const startedAt = Date.now();
  let inFlight = 0;
  let opened = 0;
  let firstError: Error | undefined;
  const slots: (() => void)[] = [];
  const pending: Promise<void>[] = [];
  for (const [i, client] of clients.entries()) {
    const due = startedAt + (i * 1000) / perSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    while (inFlight >= concurrency) await new Promise<void>((resolve) => slots.push(resolve));
    if (firstError) break;
    inFlight++;
    pending.push(
      client
        .open()
        .then(() => {
          opened++;
          if (opened % 500 === 0) onProgress?.(opened, clients.length);
        })
        .catch((error: Error) => {
          firstError ??= error;
        })
        .finally(() => {
          inFlight--;
          slots.shift()?.();
        }),
    );
  }
  await Promise.all(pending);
  if (firstError) throw new Error(`${opened} of ${clients.length} clients opened; ${firstError.message}`);
}

/** How many of `clients` each replica holds right now, by the replica their last `ready` named. */
export function spreadOf(clients: LoadClient[]): Record<string, number> {
  const spread: Record<string, number> = {};
  for (const client of clients) if (client.replica) spread[client.replica] = (spread[client.replica] ?? 0) + 1;
  return spread;
}

/** Sums per-key counts (spreads, connect errors) from several sources. */
export function addCounts(...counts: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const count of counts) for (const [key, n] of Object.entries(count)) total[key] = (total[key] ?? 0) + n;
  return total;
}

/** `after` − `before`, per key, leaving out keys that did not change. */
export function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [key, n] of Object.entries(after)) if (n !== (before[key] ?? 0)) diff[key] = n - (before[key] ?? 0);
  return diff;
}

/** Every `connect_error` the clients have seen, by message. */
export function connectErrorsOf(clients: LoadClient[]): Record<string, number> {
  return addCounts(...clients.map((client) => client.connectErrors));
}

/**
 * The `chat_sockets_connected` gauge of each gateway (in the order of `metricsUrls`); undefined
 * for a replica that does not answer or does not export it.
 */
export async function socketsGauge(metricsUrls: string[]): Promise<(number | undefined)[]> {
  return Promise.all(
    metricsUrls.map(async (url) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
        if (!response.ok) return undefined;
        const match = /^chat_sockets_connected(?:\{[^}]*\})? (\S+)$/m.exec(await response.text());
        return match ? Number(match[1]) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
}
