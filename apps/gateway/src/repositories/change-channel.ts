import { Logger } from '@nestjs/common';
import type { RedisClient } from '@chat/redis';

/**
 * A sharded pub/sub channel on which replicas tell each other that something they cache changed
 * (a room's memberships, a user's row), so each drops its copy at once. An announcement that is
 * lost costs no more than a copy living until its freshness runs out.
 */
export class ChangeChannel {
  private readonly logger: Logger;

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly name: string,
    /** What changes, for the log: "membership", "user". */
    private readonly what: string,
  ) {
    this.logger = new Logger(`ChangeChannel ${what}`);
  }

  /** Calls `onChange` with the id of every change announced by any replica (this one included). */
  listen(onChange: (id: number) => void): void {
    this.sub.on('smessage', (channel: string, id: string) => {
      if (channel === this.name) onChange(Number(id));
    });
    this.sub.ssubscribe(this.name).catch((error: Error) => this.logger.warn(`${this.what} announcements: ${error.message}`));
  }

  async announce(id: number): Promise<void> {
    await this.pub.spublish(this.name, String(id)).catch((error: Error) => {
      this.logger.warn(`${this.what} change of ${id} not announced (other replicas catch up once their copy is stale): ${error.message}`);
    });
  }
}
