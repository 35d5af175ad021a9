import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { MessageStream, type PersistMessageJob, type RedisKeys } from '@chat/contracts';
import { execOnSlot } from '@chat/redis';
import { REDIS_KEYS, REDIS_QUEUE, type RedisQueue } from './redis.module';

/** How long an append waits for REDIS_ACK_REPLICAS replicas before the batch counts as not durable. */
const REPLICA_ACK_TIMEOUT_MS = 1_000;

/** Fewer replicas than REDIS_ACK_REPLICAS confirmed an append in time. */
export class ReplicasBehind extends Error {
  override readonly name = 'ReplicasBehind';
}

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
    if (this.ackReplicas === 0) {
      await this.redis.xadd(this.keys.messageStream, '*', MessageStream.field, entry);
      return;
    }
    // A pipeline, not MULTI: WAIT is refused inside a transaction; on one connection it still
    // covers the XADD before it.
    const results = await execOnSlot(this.redis, () =>
      this.redis.pipeline().xadd(this.keys.messageStream, '*', MessageStream.field, entry).wait(this.ackReplicas, REPLICA_ACK_TIMEOUT_MS),
    );
    const failed = results.find(([error]) => error)?.[0];
    if (results.length < 2 || failed) throw failed ?? new Error('the message stream append got no reply');
    const confirmed = Number(results[1]?.[1]);
    if (confirmed < this.ackReplicas) {
      throw new ReplicasBehind(`${confirmed} of ${this.ackReplicas} replicas confirmed the append within ${REPLICA_ACK_TIMEOUT_MS} ms`);
    }
  }
}
