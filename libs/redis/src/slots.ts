import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander, Cluster } from 'ioredis';
import type { RedisClient } from './create-redis';

/** The Redis Cluster slot of `key` (of its {hash tag}, when it has one). */
export function keySlot(key: string): number {
  return calculateSlot(key);
}

/**
 * `items` split so that each part's keys share a Redis Cluster slot (parts in the order their
 * first item came, items in their order): one script call or pipeline per part. On one server,
 * or a Sentinel-managed one, everything is one part.
 */
export function bySlot<T>(client: RedisClient, items: T[], keyOf: (item: T) => string): T[][] {
  if (!client.isCluster) return items.length > 0 ? [items] : [];
  const parts = new Map<number, T[]>();
  for (const item of items) {
    const slot = calculateSlot(keyOf(item));
    const part = parts.get(slot);
    if (part) part.push(item);
    else parts.set(slot, [item]);
  }
  return [...parts.values()];
}

/** MGET over keys that may live in different slots: one MGET per slot, values in the keys' order. */
export async function mgetAcrossSlots(client: RedisClient, keys: string[]): Promise<(string | null)[]> {
  const indexed = keys.map((key, index) => ({ key, index }));
  const values: (string | null)[] = new Array<string | null>(keys.length).fill(null);
  await Promise.all(
    bySlot(client, indexed, (k) => k.key).map(async (part) => {
      const found = await client.mget(...part.map((k) => k.key));
      part.forEach((k, i) => (values[k.index] = found[i] ?? null));
    }),
  );
  return values;
}

/** What a pipeline answers: per command, its error or its reply. */
type PipelineResults = [error: Error | null, result: unknown][];

/** Redirections and cluster states after which a command was not run and may be sent again. */
const NOT_RUN = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
const REDIRECT_ATTEMPTS = 8;
const REDIRECT_PAUSE_MS = 100;

/**
 * Runs a pipeline whose keyed commands share a slot, with a keyless command after them for the
 * same node (WAIT): so that it reaches the node that ran them, it cannot be a command of its own.
 * ioredis re-sends a Cluster pipeline after MOVED only when every command failed alike, and a WAIT
 * sent to a demoted master fails otherwise; so a pipeline whose first command was refused with a
 * redirection (it did not run) is built and sent again once the slot map is refreshed. Workaround
 * for ioredis's Pipeline retry rule (lib/Pipeline.ts, "retriable"): it can go if ioredis follows
 * MOVED for mixed pipelines. On one server it is a plain exec.
 */
async function execOnSlot(client: RedisClient, build: () => ChainableCommander): Promise<PipelineResults> {
  for (let attempt = 1; ; attempt++) {
    const results = ((await build().exec()) ?? []) as PipelineResults;
    const refused = results[0]?.[0];
    if (!client.isCluster || !refused || !NOT_RUN.test(refused.message) || attempt >= REDIRECT_ATTEMPTS) return results;
    await new Promise<void>((resolve) => (client as Cluster).refreshSlotsCache(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, REDIRECT_PAUSE_MS));
  }
}

/** Fewer replicas than asked for confirmed a write in time: it may not survive a failover. */
export class ReplicasBehind extends Error {
  override readonly name = 'ReplicasBehind';
}

/**
 * A write that counts only once `replicas` replicas have it: the commands `add` puts in a pipeline
 * (sharing a slot), then, with `replicas` > 0, WAIT in the same pipeline, so that it covers them on
 * the node that ran them (a pipeline, not MULTI: WAIT is refused inside a transaction). Resolves
 * to the first command's reply; rejects with the first command error, or ReplicasBehind when
 * fewer replicas confirmed within `timeoutMs`.
 */
export async function writeConfirmed<T>(
  client: RedisClient,
  replicas: number,
  timeoutMs: number,
  add: (pipeline: ChainableCommander) => ChainableCommander,
): Promise<T> {
  const results = await execOnSlot(client, () => {
    const pipeline = add(client.pipeline());
    return replicas > 0 ? pipeline.wait(replicas, timeoutMs) : pipeline;
  });
  const failed = results.find(([error]) => error)?.[0];
  if (failed) throw failed;
  const [first] = results;
  if (!first) throw new Error('the write got no reply');
  if (replicas > 0) {
    const confirmed = Number(results.at(-1)?.[1]);
    if (confirmed < replicas) throw new ReplicasBehind(`${confirmed} of ${replicas} replicas confirmed the write within ${timeoutMs} ms`);
  }
  return first[1] as T;
}
