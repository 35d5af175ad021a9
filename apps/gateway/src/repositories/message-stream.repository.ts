import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { MessageStream, type PersistMessageJob, type RedisKeys } from '@chat/contracts';
import { writeConfirmed } from '@chat/redis';
import { REDIS_KEYS, REDIS_QUEUE, type RedisQueue } from './redis.module';

/** How long an append waits for REDIS_ACK_REPLICAS replicas before the batch counts as not durable. */
const REPLICA_ACK_TIMEOUT_MS = 1_000;

/**
 * The queue of accepted messages: a Redis stream on the queue role, one entry per gateway batch
 * (one XADD however many messages it holds), read by the worker's consumer group. An entry is
 * durable once this resolves: on the primary's AOF and, with REDIS_ACK_REPLICAS > 0, on that
 * many replicas (WAIT, in the same round trip).
 */
@Injectable()
export class MessageStreamRepository {
  private readonly ackReplicas: number;

  constructor(
    @Inject(REDIS_QUEUE) private readonly redis: RedisQueue,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ackReplicas = config.redis.ackReplicas;
  }

  async append(messages: PersistMessageJob[]): Promise<void> {
    const entry = JSON.stringify(messages);
    await writeConfirmed(this.redis, this.ackReplicas, REPLICA_ACK_TIMEOUT_MS, (pipeline) =>
      pipeline.xadd(this.keys.messageStream, '*', MessageStream.field, entry),
    );
  }
}
