import { createServer } from 'node:net';

/**
 * Test servers listen below the kernel's ephemeral range (32768–60999 by default): a port picked
 * there can be taken by any outgoing connection between our check and the server's own bind,
 * which the suites, opening thousands of connections, did hit (EADDRINUSE).
 */
const LOWEST = 10_000;
const HIGHEST = 32_000;

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return freePortRange(1);
}

/** `count` consecutive free ports, for replicas numbered from a base port. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
