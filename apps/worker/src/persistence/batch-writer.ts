import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Counter, Histogram } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { type PersistMessageJob, type RedisKeys } from '@chat/contracts';
import { type SearchIndexer, searchIndexerFor, writeMessages } from '@chat/database';
import { bySlot } from '@chat/redis';
import { linkTo, type Span, SpanKind, SpanStatusCode, traceContextOf, tracer } from '@chat/telemetry';
import { WORKER_REDIS, WORKER_REDIS_KEYS, type WorkerRedis } from '../redis.providers';

/**
 * Big enough to amortise a transaction over hundreds of messages, small enough that one
 * multi-row INSERT stays far below max_allowed_packet (500 × 4,000 characters ≈ 8 MB worst case).
 */
export const MAX_BATCH = 500;

const persisted = new Counter({ name: 'chat_messages_persisted_total', help: 'Messages committed to MySQL' });
const batchSize = new Histogram({
  name: 'chat_persist_batch_size',
  help: 'Messages per persistence transaction',
  buckets: [1, 5, 20, 50, 100, 200, 500],
});
const lag = new Histogram({
  name: 'chat_persistence_lag_seconds',
  help: 'From a message being acknowledged to its row being committed',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

/** How often the read cache loses the messages committed since: per room, one command for each run of seqs. */
const CACHE_CLEAR_EVERY_MS = 1_000;

interface Pending {
  message: PersistMessageJob;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: while one transaction runs, the jobs that arrive wait, and all of them go in the
 * next one. Under load a batch is as large as the jobs in flight (WORKER_CONCURRENCY); when idle,
 * the first message waits WORKER_LINGER_MS for company, since a transaction costs MySQL about the
 * same for one row as for a hundred. One transaction at a time also means no deadlocks between
 * our own transactions. Each job's promise settles with its batch, so BullMQ acknowledges (or
 * retries) every job individually.
 */
@Injectable()
export class BatchWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(BatchWriter.name);
  private readonly queue: Pending[] = [];
  private flushing = false;
  private timer?: NodeJS.Timeout;
  private readonly lingerMs: number;
  /** LOG_LEVEL lets the per-batch debug line through: only then is it built (a string naming every message). */
  private readonly logsCommits: boolean;
  /** SEARCH_BACKEND's indexer: messages are indexed in their own transaction, off the send path. */
  private readonly indexer?: SearchIndexer;
  /** Room id → seqs committed since the read cache was last cleared. */
  private committed = new Map<number, number[]>();
  private readonly cacheClearer: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(WORKER_REDIS) private readonly redis: WorkerRedis,
    @Inject(WORKER_REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.lingerMs = config.worker.lingerMs;
    this.logsCommits = config.log.level === 'debug' || config.log.level === 'trace';
    this.indexer = searchIndexerFor(config.search.backend);
    this.cacheClearer = setInterval(() => void this.clearCache(), CACHE_CLEAR_EVERY_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.cacheClearer);
    await this.clearCache();
    await this.redis.quit().catch(() => undefined);
  }

  write(message: PersistMessageJob): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (this.flushing || this.timer) return;
      if (this.lingerMs === 0) void this.flush();
      else this.timer = setTimeout(() => void this.flush(), this.lingerMs);
    });
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    this.flushing = true;
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.flushing = false;
    }
  }

  /**
   * With tracing on, a batch is one `persist messages` span (its transaction's MySQL spans under
   * it) linked to the trace of each message it holds, and each traced message gets a `persist
   * message` span in its own trace, from the batch's start to its commit, linked back to the batch:
   * one transaction commits messages of many traces, so it can be the child of none of them, and
   * each sender's trace still ends with its message's commit. Span links beyond the SDK's limit
   * (OTEL_SPAN_LINK_COUNT_LIMIT, 128) are dropped; the per-message spans are not.
   */
  private commit(batch: Pending[]): Promise<void> {
    const links = batch.flatMap(({ message }) => linkTo(message.trace, { 'chat.message.id': message.id }) ?? []);
    const attributes = { 'chat.batch.size': batch.length };
    return tracer().startActiveSpan('persist messages', { kind: SpanKind.INTERNAL, links, attributes }, (span) =>
      this.commitBatch(batch.map((pending) => traced(pending, span))).finally(() => span.end()),
    );
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    try {
      await writeMessages(
        this.db,
        batch.map((p) => p.message),
        { indexer: this.indexer },
      );
      this.done(batch);
    } catch (error) {
      if (!isRejectedStatement(error)) {
        // MySQL unreachable or the like: every job fails and BullMQ retries them with backoff.
        for (const pending of batch) pending.reject(error);
        return;
      }
      // One bad message must not hold back the others: write them one by one.
      for (const pending of batch) {
        try {
          await writeMessages(this.db, [pending.message], { indexer: this.indexer });
          this.done([pending]);
        } catch (single) {
          pending.reject(single);
        }
      }
    }
  }

  private done(batch: Pending[]): void {
    const now = Date.now();
    persisted.inc(batch.length);
    batchSize.observe(batch.length);
    // One line per batch, at debug: one per message would be 10k lines a second at full load.
    if (this.logsCommits) {
      this.logger.debug(`committed ${batch.length} message(s): ${batch.map(({ message }) => described(message)).join(', ')}`);
    }
    for (const { message, resolve } of batch) {
      lag.observe((now - Date.parse(message.createdAt)) / 1000);
      const seqs = this.committed.get(message.roomId);
      if (seqs) seqs.push(message.seq);
      else this.committed.set(message.roomId, [message.seq]);
      resolve();
    }
  }

  /**
   * The gateways serve committed messages from MySQL; until this runs they find them in both
   * places, and the row wins. Clearing a second's worth at once turns a command per message into
   * one per room and run of consecutive seqs.
   */
  private async clearCache(): Promise<void> {
    if (this.committed.size === 0) return;
    const committed = this.committed;
    this.committed = new Map();
    // A pipeline per slot: one in all on one server.
    const cleared = bySlot(this.redis, [...committed], ([roomId]) => this.keys.recentMessages(roomId)).map((part) => {
      const pipeline = this.redis.pipeline();
      for (const [roomId, seqs] of part) {
        for (const [from, to] of runs(seqs)) pipeline.zremrangebyscore(this.keys.recentMessages(roomId), from, to);
      }
      return pipeline.exec();
    });
    await Promise.all(cleared).catch((error: Error) => this.logger.warn(`recent-message cleanup failed: ${error.message}`));
  }
}

/** The pending write, settling a `persist message` span in the message's trace when it carried one. */
function traced(pending: Pending, batch: Span): Pending {
  const { message } = pending;
  const parent = traceContextOf(message.trace);
  if (!parent) return pending;
  const span = tracer().startSpan(
    'persist message',
    {
      kind: SpanKind.CONSUMER,
      links: [{ context: batch.spanContext() }],
      attributes: { 'chat.message.id': message.id, 'chat.room.id': message.roomId, 'chat.message.seq': message.seq },
    },
    parent,
  );
  return {
    message,
    resolve: () => {
      span.end();
      pending.resolve();
    },
    reject: (error: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      span.end();
      pending.reject(error);
    },
  };
}

/** A message as the worker's log lines name it: its id, and the request that sent it when known. */
export function described({ id, requestId }: PersistMessageJob): string {
  return requestId ? `${id} (request ${requestId})` : id;
}

/** Consecutive seqs as [first, last] ranges. */
export function runs(seqs: number[]): [number, number][] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const seq of sorted) {
    const last = ranges.at(-1);
    if (last && seq === last[1] + 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return ranges;
}

/** MySQL answered and refused this statement (bad data), as opposed to not answering at all. */
function isRejectedStatement(error: unknown): boolean {
  const { sqlState, errno } = error as { sqlState?: string; errno?: number };
  return typeof errno === 'number' && typeof sqlState === 'string' && !sqlState.startsWith('08') && sqlState !== '40001';
}
