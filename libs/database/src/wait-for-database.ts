import { createConnection } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';

interface Log {
  warn(message: string): void;
  log(message: string): void;
}

/**
 * Blocks start-up until MySQL answers, logging one clear line per attempt instead of a stack
 * trace, so an orchestrator (or the local launcher) can start the apps before the database.
 */
export async function waitForDatabase(url: string, log: Log, maxDelayMs = 5_000): Promise<void> {
  const { hostname: host, port } = new URL(url);
  for (let attempt = 1; ; attempt++) {
    try {
      const connection = await createConnection({ uri: url, connectTimeout: 3_000 });
      await connection.end();
      if (attempt > 1) log.log(`database ${host}:${port || 3306} reachable after ${attempt} attempts`);
      return;
    } catch (error) {
      const delay = Math.min(maxDelayMs, 250 * 2 ** Math.min(attempt, 5));
      const reason = error instanceof Error ? ((error as { code?: string }).code ?? error.message) : String(error);
      log.warn(`database ${host}:${port || 3306} unreachable (${reason}); retry ${attempt} in ${delay} ms`);
      await sleep(delay);
    }
  }
}
