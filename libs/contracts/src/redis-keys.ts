/** Which roles run on a Redis Cluster: their keys then carry hash tags where a script or a pipeline needs them together. */
export interface KeyLayout {
  clusterState?: boolean;
  clusterQueue?: boolean;
}

/**
 * Every Redis key, channel and queue prefix the cluster uses, built in one place.
 * `prefix` (REDIS_PREFIX) keeps deployments and test runs that share a Redis apart. On a Redis
 * Cluster a room's keys share its slot (`room:{<id>}`), so one admit script can number a room's
 * messages, and BullMQ's prefix is one hash tag; on one server the names carry no tags (and stay
 * those of earlier releases: a renamed seq counter would restart from MySQL's last seq).
 */
export function redisKeys(prefix: string, layout: KeyLayout = {}) {
  const room = (roomId: number) => (layout.clusterState ? `${prefix}room:{${roomId}}` : `${prefix}room:${roomId}`);
  // A gateway process's registry keys share its slot, so its heartbeat and socket set go in one pipeline.
  const replica = (replicaId: string) => (layout.clusterState ? `${prefix}replica:{${replicaId}}` : `${prefix}replica:${replicaId}`);
  return {
    /** Last sequence number handed out in a room (INCR). */
    roomSeq: (roomId: number) => `${room(roomId)}:seq`,
    /**
     * Accepted messages not yet in MySQL (sorted set by seq), so history and sync can read their own
     * writes; the worker removes them once committed.
     */
    recentMessages: (roomId: number) => `${room(roomId)}:recent`,
    /**
     * A send's reservation (id, seq, createdAt) under the sender's clientMsgId: what makes a retry
     * idempotent. On a Redis Cluster it lives in the room's slot, beside the seq it is taken with,
     * so a clientMsgId reused in another room is a new message there (not CONFLICT).
     */
    clientMsg: (userId: number, clientMsgId: string, roomId: number) =>
      layout.clusterState ? `${room(roomId)}:sent:${userId}:${clientMsgId}` : `${prefix}sent:${userId}:${clientMsgId}`,
    /** A sender's message budget: the instant (epoch ms) it is next empty (GCRA; see the admit script). */
    sendBudget: (userId: number) => `${prefix}rate:send:${userId}`,
    /**
     * The queue of accepted messages (a Redis stream on the queue role): one entry per gateway
     * batch, read by the worker's consumer group, deleted once written to MySQL.
     */
    messageStream: `${prefix}messages:stream`,
    /** A revoked access token (logout), kept until the token would have expired anyway. */
    revokedToken: (jti: string) => `${prefix}auth:revoked:${jti}`,
    /** Epoch ms before which every token of the user is void (site ban, password change); older deployments wrote seconds. */
    tokensNotBefore: (userId: number) => `${prefix}auth:user:${userId}:not-before`,
    /** Live sockets of a user (sorted set: socket id → expiry ms), shared by every replica. */
    presence: (userId: number) => `${prefix}presence:${userId}`,
    /** Rate-limiter buckets (rate-limiter-flexible adds its own suffixes). */
    rateLimit: (name: string) => `${prefix}rate:${name}`,
    /** Sharded pub/sub channel: a room's memberships, mutes or bans changed; replicas drop their cached copies. */
    membershipChanged: `${prefix}membership-changed`,
    /** Sharded pub/sub channel: a user's row changed (ban, nickname, password); replicas drop their cached copy. */
    userChanged: `${prefix}user-changed`,
    /** Set while a join/leave note of a user in a room is fresh: a repeat within the window is not stored again. */
    membershipNote: (roomId: number, userId: number) => `${room(roomId)}:note:${userId}`,
    /** The highest read-receipt seq sent for a member in a room, and when: one receipt per window, never an older one. */
    receiptWindow: (roomId: number, userId: number) => `${room(roomId)}:receipt:${userId}`,
    /** BullMQ's own key prefix (it appends `:<queue>:...`); on a Redis Cluster one hash tag, as BullMQ requires. */
    bullPrefix: layout.clusterQueue ? `{${prefix}bull}` : `${prefix}bull`,
    /** Socket.IO adapter channel prefix. */
    adapterChannel: `${prefix}socket.io`,
    /** Per-replica channel a gateway publishes to itself to prove pub/sub delivers. */
    healthProbeChannel: (replicaId: string) => `${prefix}health:${replicaId}`,
    /** Every registered gateway process (a set of registry ids), for the others to notice one that dies. */
    replicas: `${prefix}replicas`,
    /** Present while a gateway process is alive: it renews the key's TTL every PRESENCE_HEARTBEAT_MS. */
    replicaHeartbeat: (replicaId: string) => `${replica(replicaId)}:heartbeat`,
    /** The sockets a gateway process holds (a set of `<userId>:<socketId>`): what the others take out of presence if it dies. */
    replicaSockets: (replicaId: string) => `${replica(replicaId)}:sockets`,
    /** Lock (SET NX PX) held by the process cleaning up after a dead one, or by that one as it rejoins. */
    replicaCleanup: (replicaId: string) => `${replica(replicaId)}:cleanup`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
