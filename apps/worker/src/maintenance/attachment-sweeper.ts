import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { attachmentObjectKey } from '@chat/contracts';
import { createObjectStorage, type ObjectStorage } from '@chat/storage';

/** Rows per sweep step, so one statement never holds many locks; the step repeats until none are left. */
const SWEEP_BATCH = 500;

const swept = new Counter({
  name: 'chat_attachments_swept_total',
  help: 'Attachments whose files and rows the worker removed',
  labelNames: ['reason'] as const,
});

/**
 * Removes what nothing may serve any more: uploads no message used within ATTACHMENT_ORPHAN_HOURS
 * (a send may claim one only until 10 minutes before that, AttachmentClaims, so a message on its
 * way to MySQL never loses its files), and the files of deleted messages. Objects go first, then
 * rows, so a failure leaves a row to try again, never an object nothing points to. Every worker
 * sweeps; removing twice is harmless.
 */
@Injectable()
export class AttachmentSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AttachmentSweeper.name);
  private readonly storage: ObjectStorage;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    this.storage = createObjectStorage(config.storage);
  }

  onApplicationBootstrap(): void {
    const sweep = () => {
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    };
    sweep();
    this.timer = setInterval(sweep, this.config.attachments.sweepSeconds * 1000).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.storage.close();
  }

  async sweep(): Promise<void> {
    try {
      const unusedBefore = new Date(Date.now() - this.config.attachments.orphanHours * 3_600_000);
      for (;;) {
        const rows = await this.db.query<{ id: string; deleted: number }[]>(
          `SELECT id, deleted_at IS NOT NULL AS deleted FROM attachments
            WHERE deleted_at IS NOT NULL OR (message_id IS NULL AND created_at < ?)
            LIMIT ${SWEEP_BATCH}`,
          [unusedBefore],
        );
        if (rows.length === 0) return;
        const ids = rows.map((row) => row.id);
        await this.storage.delete(ids.flatMap((id) => [attachmentObjectKey(id, 'original'), attachmentObjectKey(id, 'thumbnail')]));
        await this.db.query(
          'DELETE FROM attachments WHERE id IN (?) AND (deleted_at IS NOT NULL OR (message_id IS NULL AND created_at < ?))',
          [ids, unusedBefore],
        );
        const deleted = rows.filter((row) => Number(row.deleted) === 1).length;
        swept.inc({ reason: 'message_deleted' }, deleted);
        swept.inc({ reason: 'unused' }, rows.length - deleted);
        this.logger.log(`removed ${rows.length} attachment(s): ${deleted} of deleted messages, ${rows.length - deleted} never used`);
        if (rows.length < SWEEP_BATCH) return;
      }
    } catch (error) {
      this.logger.warn(`attachment sweep: ${(error as Error).message}`);
    }
  }
}
