// cluster-key-slot (a dependency of ioredis, by its maintainers) ships no type declarations.
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot of `key` (CRC16 of the key or of its {hash tag}, mod 16384). */
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
