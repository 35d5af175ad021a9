/**
 * Every Redis key, channel and queue prefix the cluster uses, built in one place.
 * `prefix` (REDIS_PREFIX) keeps deployments and test runs that share a Redis apart.
 */
export function redisKeys(prefix: string) {
  return {
    /** Last sequence number handed out in a room (INCR). */
    roomSeq: (roomId: number) => `${prefix}room:${roomId}:seq`,
    /** BullMQ's own key prefix (it appends `:<queue>:...`). */
    bullPrefix: `${prefix}bull`,
    /** Socket.IO adapter channel prefix. */
    adapterChannel: `${prefix}socket.io`,
    /** Per-replica channel a gateway publishes to itself to prove pub/sub delivers. */
    healthProbeChannel: (replicaId: string) => `${prefix}health:${replicaId}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
