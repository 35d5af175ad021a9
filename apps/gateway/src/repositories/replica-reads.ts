import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@chat/config';

const reads = new Counter({
  name: 'chat_db_replica_reads_total',
  help: 'Reads sent to a MySQL replica, by outcome: served, unsettled (the replica could not show it had everything; read again from the primary), failed (the replica did not answer; read from the primary)',
  labelNames: ['outcome'] as const,
});

/** What a read answers when the replica's rows may be missing some: the caller reads from the primary. */
export const UNSETTLED = Symbol('unsettled');

/**
 * Where the reads that may lag go (DATABASE_READ_URLS): one replica per call, round robin, the
 * whole callback on one connection (so a page and its completeness check see the same replica).
 * A replica that fails to answer costs the caller nothing but a retry on the primary; with no
 * replica configured everything runs on the primary, so the callers have one code path.
 */
@Injectable()
export class ReplicaReads {
  private readonly logger = new Logger(ReplicaReads.name);
  private readonly enabled: boolean;
  private lastWarning = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.enabled = config.database.readUrls.length > 0;
  }

  /** Runs `read` on a replica, or on the primary if there is none or it fails. */
  async run<T>(read: (db: EntityManager) => Promise<T>): Promise<T> {
    const answer = await this.tryReplica(read);
    return answer === undefined ? read(this.db.manager) : answer.value;
  }

  /**
   * Runs `read` on a replica; undefined when there is none, it fails, or `read` finds the answer
   * unsettled: the caller then reads from the primary its own way.
   */
  async tryReplica<T>(read: (db: EntityManager) => Promise<T | typeof UNSETTLED>): Promise<{ value: T } | undefined> {
    if (!this.enabled) return undefined;
    const runner = this.db.createQueryRunner('slave');
    try {
      const value = await read(runner.manager);
      if (value === UNSETTLED) {
        reads.inc({ outcome: 'unsettled' });
        return undefined;
      }
      reads.inc({ outcome: 'served' });
      return { value };
    } catch (error) {
      reads.inc({ outcome: 'failed' });
      this.warn(error);
      return undefined;
    } finally {
      await runner.release();
    }
  }

  /** One line every 10 s at most: a dead replica fails every read sent its way. */
  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    const reason = error instanceof Error ? ((error as { code?: string }).code ?? error.message) : String(error);
    this.logger.warn(`a MySQL replica failed a read (${reason}); reads go to the primary until one answers`);
  }
}
