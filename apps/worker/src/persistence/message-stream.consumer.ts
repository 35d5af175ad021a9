import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { JobName, type JobPayloads, MessageStream, type PersistMessageJob, QueueName, type RedisKeys } from '@chat/contracts';
import { refuseEvictingQueue } from '@chat/redis';
import { WORKER_REDIS_KEYS, WORKER_STREAM_REDIS, type WorkerRedis } from '../redis.providers';
import { BatchWriter } from './batch-writer';

/** Entries per read: each holds up to a gateway batch (200 messages). */
const READ_COUNT = 50;
/** How long a read waits for entries; bounds how long a shutdown waits for the loop. */
const BLOCK_MS = 1_000;
/** An entry read but not acknowledged for this long belongs to a consumer that died: it is taken over. */
const CLAIM_IDLE_MS = 10_000;
const CLAIM_EVERY_MS = 5_000;
/** After Redis refused a read, the loop waits this long before the next one. */
const ERROR_PAUSE_MS = 500;

/**
 * What BullMQ retries: 12 attempts, retried after 0.5 s, 1 s, 2 s … 512 s (about 17 minutes in
 * all), ride out a MySQL outage; then the processor dead-letters the messages that still fail.
 * Given with every job, so no registration of the queue can lose them.
 */
const RETRY_JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

type StreamEntries = [id: string, fields: string[]][];

/**
 * Reads the message stream (RedisKeys.messageStream) with a consumer group and writes what it
 * reads through the BatchWriter's group commit. An entry is acknowledged and deleted only once
 * its messages are in MySQL, or handed to BullMQ when MySQL refused them, which retries them with
 * backoff and dead-letters what fails every attempt. So BullMQ's per-job cost (a few scripts in
 * Redis on each side) is paid only when something fails, not for every batch. Entries of a
 * consumer that died unacknowledged are taken over after CLAIM_IDLE_MS; the writes are
 * idempotent, so an entry written twice is stored once.
 */
@Injectable()
export class MessageStreamConsumer implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MessageStreamConsumer.name);
  private readonly consumer = `${hostname()}-${process.pid}`;
  private running = false;
  private loop?: Promise<void>;
  private lastClaimAt = 0;
  private groupReady = false;

  constructor(
    @Inject(WORKER_STREAM_REDIS) private readonly redis: WorkerRedis,
    @Inject(WORKER_REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly batches: BatchWriter,
    @InjectQueue(QueueName.Messages) private readonly retries: Queue<JobPayloads[typeof JobName.PersistMessages]>,
  ) {}

  /** An evicting queue server could drop accepted messages: the worker does not start on one. */
  async onModuleInit(): Promise<void> {
    await refuseEvictingQueue(this.redis, this.logger);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.redis.quit().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.ensureGroup();
        if (Date.now() - this.lastClaimAt >= CLAIM_EVERY_MS) await this.claimAbandoned();
        const reply = (await this.redis.xreadgroup(
          'GROUP',
          MessageStream.group,
          this.consumer,
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.keys.messageStream,
          '>',
        )) as [key: string, entries: StreamEntries][] | null;
        if (reply) await this.handle(reply[0][1]);
      } catch (error) {
        if (!this.running) return;
        this.groupReady = false;
        this.logger.warn(`reading the message stream failed: ${(error as Error).message}`);
        await sleep(ERROR_PAUSE_MS);
      }
    }
  }

  /** From the stream's first entry, so nothing appended before the group existed is skipped. */
  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    await this.redis.xgroup('CREATE', this.keys.messageStream, MessageStream.group, '0', 'MKSTREAM').catch((error: Error) => {
      if (!error.message.includes('BUSYGROUP')) throw error;
    });
    this.groupReady = true;
  }

  /** Entries read by a consumer that has been silent for CLAIM_IDLE_MS (it died). */
  private async claimAbandoned(): Promise<void> {
    this.lastClaimAt = Date.now();
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.redis.xautoclaim(
        this.keys.messageStream,
        MessageStream.group,
        this.consumer,
        CLAIM_IDLE_MS,
        cursor,
        'COUNT',
        READ_COUNT,
      )) as [string, StreamEntries, ...unknown[]];
      if (entries.length > 0) {
        this.logger.warn(`took over ${entries.length} unacknowledged stream entries`);
        await this.handle(entries);
      }
      cursor = next;
    } while (cursor !== '0-0' && this.running);
  }

  private async handle(entries: StreamEntries): Promise<void> {
    const messages = entries.flatMap(([id, fields]) => this.parse(id, fields));
    const results = await Promise.allSettled(messages.map((message) => this.batches.write(message)));
    const failed = messages.filter((_, i) => results[i]?.status === 'rejected');
    // Not acknowledged if BullMQ cannot take them either: the entries stay pending and are read again.
    if (failed.length > 0) await this.retries.add(JobName.PersistMessages, { messages: failed }, RETRY_JOB_OPTIONS);
    const ids = entries.map(([id]) => id);
    await this.redis
      .pipeline()
      .xack(this.keys.messageStream, MessageStream.group, ...ids)
      .xdel(this.keys.messageStream, ...ids)
      .exec();
  }

  /** An entry no gateway could have written is logged and dropped rather than read forever. */
  private parse(id: string, fields: string[]): PersistMessageJob[] {
    const index = fields.indexOf(MessageStream.field);
    try {
      const messages: unknown = JSON.parse(fields[index + 1] ?? '');
      if (index >= 0 && Array.isArray(messages)) return messages as PersistMessageJob[];
    } catch {
      // reported below
    }
    this.logger.error(`stream entry ${id} holds no messages; dropped`);
    return [];
  }
}
