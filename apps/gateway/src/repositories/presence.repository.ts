import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { RedisKeys } from '@chat/contracts';
import { bySlot } from '@chat/redis';
import { RealtimeRepository } from './realtime.repository';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { ScriptedRedis } from './redis-scripts';

/**
 * A socket's entry lives this long unless its replica refreshes it: the last resort for a crashed
 * replica's sockets when no replica is left to clean up after it (see the replica registry below).
 */
const ENTRY_TTL_MS = 90_000;
const REFRESH_MS = 30_000;
/** Heartbeats a replica may miss before the others take it for dead. */
const MISSED_HEARTBEATS = 3;
/** How long a cleanup's lock holds without being renewed; it is renewed after every batch, each a few ms. */
const CLEANUP_LOCK_MS = 30_000;
/** Sockets per round of a cleanup or a rejoin: many per round trip, and no reply large. */
const BATCH = 200;

export class TooManySockets extends Error {
  override readonly name = 'TooManySockets';
}

/** A socket as the replica registry records it. */
export interface SocketEntry {
  userId: number;
  socketId: string;
}

const member = ({ userId, socketId }: SocketEntry) => `${userId}:${socketId}`;
const entryOf = (recorded: string): SocketEntry => {
  const colon = recorded.indexOf(':');
  return { userId: Number(recorded.slice(0, colon)), socketId: recorded.slice(colon + 1) };
};

/**
 * Who is online, kept in Redis as one sorted set of live socket ids per user, so it is right
 * across replicas and with several tabs: a user is online from their first socket anywhere to
 * their last. Each replica refreshes its own sockets' entries.
 *
 * The replica registry beside it lets the survivors of a crash clean up at once: each gateway
 * process renews a heartbeat key with a TTL and records its sockets in a set of its own; one
 * whose heartbeat lapsed is cleaned up by one survivor (under a lock), which removes its sockets
 * from presence and learns who is left with none. Every step is idempotent, and an entry's
 * removal is counted with the user's remaining sockets in one transaction, so a user is reported
 * offline once even if two survivors (or a survivor and a disconnect) race. The Socket.IO adapter
 * cannot answer this: a dead replica's sockets just vanish from it, with nothing saying whose
 * they were.
 */
@Injectable()
export class PresenceRepository implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceRepository.name);
  private refresh?: NodeJS.Timeout;
  /**
   * This process in the registry: REPLICA_ID and a suffix of its own, so a replica restarted
   * under the same REPLICA_ID registers anew and its previous life is cleaned up like any dead
   * replica's, instead of its new heartbeat hiding the old life's sockets.
   */
  readonly replica: string;
  private readonly heartbeatTtlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: ScriptedRedis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly realtime: RealtimeRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.replica = `${config.gateway.replicaId}.${randomBytes(6).toString('base64url')}`;
    this.heartbeatTtlMs = MISSED_HEARTBEATS * config.presence.heartbeatMs;
  }

  onModuleInit(): void {
    this.refresh = setInterval(() => void this.refreshLocalSockets(), REFRESH_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.refresh);
  }

  /**
   * Counts a socket that is about to connect, or throws TooManySockets when the user already
   * holds MAX_SOCKETS_PER_USER across the cluster. Returns how many the user holds with it: 1
   * means it is their first.
   */
  async admit(userId: number, socketId: string): Promise<number> {
    // Recorded as it is counted, the record sent first, in one round trip: should this replica die
    // in between, removing an entry that is not there does nothing.
    const recorded = member({ userId, socketId });
    const [, count] = await Promise.all([
      this.redis.sadd(this.keys.replicaSockets(this.replica), recorded),
      this.touch('add', userId, socketId),
    ]);
    if (count < 0) {
      await this.redis.srem(this.keys.replicaSockets(this.replica), recorded);
      throw new TooManySockets(`At most ${this.config.maxSocketsPerUser} connections per user`);
    }
    return count;
  }

  /** Uncounts a socket; returns how many the user still holds (0: they are offline now). */
  async remove(userId: number, socketId: string): Promise<number> {
    // Uncounted, then forgotten, in one round trip: should this replica die in between, the survivors remove the entry again, harmlessly.
    const [count] = await Promise.all([
      this.touch('remove', userId, socketId),
      this.redis.srem(this.keys.replicaSockets(this.replica), member({ userId, socketId })),
    ]);
    return count;
  }

  /** The subset of `userIds` with a live socket anywhere: one round trip. */
  async onlineAmong(userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const now = Date.now();
    const online = new Set<number>();
    // A pipeline per slot: one in all on one server.
    await Promise.all(
      bySlot(this.redis, userIds, (id) => this.keys.presence(id)).map(async (part) => {
        const pipeline = this.redis.pipeline();
        for (const id of part) pipeline.zcount(this.keys.presence(id), now, '+inf');
        const results = (await pipeline.exec()) ?? [];
        part.forEach((id, i) => {
          if (Number(results[i]?.[1] ?? 0) > 0) online.add(id);
        });
      }),
    );
    return online;
  }

  /**
   * Renews this replica's heartbeat. False when it had lapsed: on the first beat, or after a
   * pause long enough for the others to take this replica for dead and clean up its sockets;
   * either way, rejoin() follows.
   */
  async beat(): Promise<boolean> {
    const previous = await this.redis.set(this.keys.replicaHeartbeat(this.replica), '1', 'PX', this.heartbeatTtlMs, 'GET');
    return previous !== null;
  }

  /**
   * Registers this replica and records every socket it holds (again), for after a lapse in which
   * the others may have cleaned them up. Under the cleanup lock, so that it comes after a cleanup
   * already under way (which stops at its next batch: the heartbeat is back) instead of being
   * undone by it. Returns the users online again through these sockets (their rooms were told
   * they went offline), or undefined while the lock is held: try again at the next beat.
   */
  async rejoin(sockets: SocketEntry[]): Promise<number[] | undefined> {
    const lock = this.keys.replicaCleanup(this.replica);
    if ((await this.redis.set(lock, this.replica, 'PX', CLEANUP_LOCK_MS, 'NX')) === null) return undefined;
    try {
      await this.redis.sadd(this.keys.replicas, this.replica);
      const back: number[] = [];
      for (let i = 0; i < sockets.length; i += BATCH) {
        const batch = sockets.slice(i, i + BATCH);
        await this.redis.sadd(this.keys.replicaSockets(this.replica), ...batch.map(member));
        const restored = await Promise.all(batch.map((socket) => this.restore(socket)));
        back.push(...batch.filter((_, j) => restored[j]).map((socket) => socket.userId));
      }
      return back;
    } finally {
      await this.redis.del(lock);
    }
  }

  /** Registered replicas other than this one whose heartbeat has lapsed. */
  async lapsedReplicas(): Promise<string[]> {
    const others = (await this.redis.smembers(this.keys.replicas)).filter((replica) => replica !== this.replica);
    const alive = await Promise.all(others.map((replica) => this.redis.exists(this.keys.replicaHeartbeat(replica))));
    return others.filter((_, i) => alive[i] === 0);
  }

  /** Takes the cleanup of a lapsed replica; false if another process has it, or the replica is back. */
  async claim(replica: string): Promise<boolean> {
    const { replicaCleanup, replicaHeartbeat } = this.keys;
    const [[, locked], [, alive]] = await this.execOrThrow(
      this.redis.pipeline().set(replicaCleanup(replica), this.replica, 'PX', CLEANUP_LOCK_MS, 'NX').exists(replicaHeartbeat(replica)),
    );
    if (locked === null) return false;
    if (alive === 0) return true;
    await this.redis.del(replicaCleanup(replica));
    return false;
  }

  /**
   * One batch of a claimed cleanup: takes up to BATCH of the lapsed replica's sockets out of
   * presence and returns the users left with no live socket. Undefined when the cleanup is over
   * (the lock released): every socket is gone and so are the replica's records, or the replica
   * is back (rejoin() records its sockets again).
   */
  async cleanUpBatch(replica: string): Promise<number[] | undefined> {
    const { replicas, replicaCleanup, replicaHeartbeat, replicaSockets } = this.keys;
    if ((await this.redis.exists(replicaHeartbeat(replica))) === 1) {
      await this.redis.del(replicaCleanup(replica));
      return undefined;
    }
    const recorded = await this.redis.srandmember(replicaSockets(replica), BATCH);
    if (recorded.length === 0) {
      // Out of the list first: a rejoin, which waits for the lock, then puts it back.
      await this.redis.srem(replicas, replica);
      await this.execOrThrow(this.redis.pipeline().del(replicaSockets(replica)).del(replicaCleanup(replica)));
      return undefined;
    }
    const entries = recorded.map(entryOf);
    const last = await Promise.all(entries.map((entry) => this.drop(entry)));
    await this.execOrThrow(
      this.redis
        .pipeline()
        .srem(replicaSockets(replica), ...recorded)
        .pexpire(replicaCleanup(replica), CLEANUP_LOCK_MS),
    );
    return entries.filter((_, i) => last[i]).map((entry) => entry.userId);
  }

  /**
   * A clean stop, after the drain: this replica leaves the registry. Sockets still recorded
   * (their disconnects not through yet) are left to the others, which clean them up at their
   * next look since the heartbeat is gone.
   */
  async deregister(): Promise<void> {
    const { replicas, replicaHeartbeat, replicaSockets } = this.keys;
    if ((await this.redis.scard(replicaSockets(this.replica))) > 0) {
      await this.redis.del(replicaHeartbeat(this.replica));
      return;
    }
    await this.redis.srem(replicas, this.replica);
    await this.redis.del(replicaHeartbeat(this.replica), replicaSockets(this.replica));
  }

  private touch(op: 'add' | 'remove', userId: number, socketId: string): Promise<number> {
    return this.redis.chatPresence(this.keys.presence(userId), op, socketId, Date.now(), ENTRY_TTL_MS, this.config.maxSocketsPerUser);
  }

  /** Removes a dead replica's socket; true when that removed its user's last live one. */
  private async drop({ userId, socketId }: SocketEntry): Promise<boolean> {
    const key = this.keys.presence(userId);
    const [[, removed], [, live]] = await this.execOrThrow(this.redis.multi().zrem(key, socketId).zcount(key, Date.now(), '+inf'));
    return removed === 1 && live === 0;
  }

  /** Puts back a socket's entry (uncapped: the socket is connected already); true when it had gone and is its user's only live one. */
  private async restore({ userId, socketId }: SocketEntry): Promise<boolean> {
    const key = this.keys.presence(userId);
    const now = Date.now();
    const [[, added], , [, live]] = await this.execOrThrow(
      this.redis
        .multi()
        .zadd(key, now + ENTRY_TTL_MS, socketId)
        .pexpire(key, ENTRY_TTL_MS)
        .zcount(key, now, '+inf'),
    );
    return added === 1 && live === 1;
  }

  /** Runs a pipeline or transaction (its keys in one slot); rejects with its first command error. */
  private async execOrThrow(commands: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<[Error | null, unknown][]> {
    const results = (await commands.exec()) ?? [];
    const failed = results.find(([error]) => error)?.[0];
    if (failed) throw failed;
    return results;
  }

  private async refreshLocalSockets(): Promise<void> {
    const expiry = Date.now() + ENTRY_TTL_MS;
    const sockets = [...this.realtime.localSockets()];
    const refreshed = bySlot(this.redis, sockets, (socket) => this.keys.presence(socket.data.user.id)).map((part) => {
      const pipeline = this.redis.pipeline();
      for (const socket of part) {
        pipeline.zadd(this.keys.presence(socket.data.user.id), 'XX', expiry, socket.id);
        pipeline.pexpire(this.keys.presence(socket.data.user.id), ENTRY_TTL_MS);
      }
      return pipeline.exec();
    });
    await Promise.all(refreshed).catch((error: Error) => this.logger.warn(`presence refresh failed: ${error.message}`));
  }
}
