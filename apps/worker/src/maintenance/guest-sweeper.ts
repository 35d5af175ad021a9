import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@chat/config';

const SWEEP_EVERY_MS = 10 * 60_000;
/** Rows per statement, so one sweep never holds many locks at once; the next sweep takes the rest. */
const SWEEP_BATCH = 1_000;

/**
 * Guest sign-ups are cheap, and a guest cannot come back once its token expires (it has no
 * password): the worker deletes guest accounts past GUEST_RETENTION_HOURS that belong to no
 * room and never posted, so anonymous sign-ups do not pile up. Guests that took part in
 * something stay, so no history or member list changes. Every worker sweeps; the statement is
 * idempotent.
 */
@Injectable()
export class GuestSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GuestSweeper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    const createdBefore = new Date(Date.now() - this.config.worker.guestRetentionHours * 3_600_000);
    try {
      const result = await this.db.query<{ affectedRows: number }>(
        `DELETE FROM users
          WHERE role = 'guest' AND created_at < ?
            AND NOT EXISTS (SELECT 1 FROM room_members m WHERE m.user_id = users.id)
            AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.sender_id = users.id)
          LIMIT ${SWEEP_BATCH}`,
        [createdBefore],
      );
      if (result.affectedRows > 0) this.logger.log(`deleted ${result.affectedRows} idle guest account(s)`);
    } catch (error) {
      this.logger.warn(`guest sweep: ${(error as Error).message}`);
    }
  }
}
