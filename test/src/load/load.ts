import { randomBytes } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { ErrorCode, type MessageAccepted } from '@chat/contracts';
import { request } from '../support/clients';
import { eventually } from '../support/wait';
import { type ChatFleet, EVENT_TIMEOUT_MS, type LoadClient } from './fleet';

export interface SendRecord {
  clientMsgId: string;
  room: number;
  senderId: number;
  content: string;
  createdAt: number;
  attempts: number;
  /** Not before this time: the retry backoff. */
  notBefore: number;
  ack?: MessageAccepted;
  ackedAt?: number;
  /** When the persistence watcher first saw the row. */
  persistedAt?: number;
  /** The final error code, for an error the contract says not to retry. */
  failed?: string;
  failedMessage?: string;
  /** Acks for this clientMsgId that disagree with the first one (a retry must get the first ack back). */
  otherAcks: MessageAccepted[];
}

interface Outbox {
  client: LoadClient;
  queue: SendRecord[];
  inFlight: number;
  created: number;
  /** Spreads the senders' ticks over the period instead of firing them all at once. */
  phase: number;
}

export interface LoadOptions {
  /** Messages per second over all senders. */
  ratePerSecond: number;
  /** Sends one client keeps in flight (acks pending) at most. */
  window?: number;
  ackTimeoutMs?: number;
}

/**
 * The load generator: every client sends at a fixed share of the rate, round-robin over its
 * rooms, each message with a fresh clientMsgId. UNAVAILABLE, RATE_LIMITED, an ack timeout or a
 * disconnect are retried with the same clientMsgId (after the reconnect) until acked; any other
 * error is final and recorded. A watcher polls MySQL for every acked message to time its persistence.
 */
export class Load {
  readonly records: SendRecord[] = [];
  readonly tag = `ld${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  readonly errorAcks: Record<string, number> = {};
  readonly interrupted = { timeout: 0, disconnect: 0 };
  startedAt = 0;
  stoppedAt = 0;
  private readonly outboxes: Outbox[];
  private readonly unpersisted = new Map<string, SendRecord>();
  private readonly window: number;
  private readonly ackTimeoutMs: number;
  private tick?: NodeJS.Timeout;
  private watcher?: NodeJS.Timeout;
  private polling = false;
  persistencePollFailures = 0;

  constructor(
    fleet: ChatFleet,
    private readonly db: Pool,
    private readonly options: LoadOptions,
  ) {
    this.window = options.window ?? 4;
    this.ackTimeoutMs = options.ackTimeoutMs ?? EVENT_TIMEOUT_MS;
    const count = fleet.clients.length;
    this.outboxes = fleet.clients.map((client, i) => ({ client, queue: [], inFlight: 0, created: 0, phase: i / count }));
  }

  start(): void {
    this.startedAt = Date.now();
    this.tick = setInterval(() => this.onTick(), 20);
    this.watcher = setInterval(() => void this.pollPersistence(), 250);
  }

  /** No new messages from now on; those under way are still retried until settled. */
  stop(): void {
    this.stoppedAt ||= Date.now();
  }

  get outstanding(): number {
    return this.records.filter((r) => !r.ack && !r.failed).length;
  }

  /** Waits until every message is acked or finally refused. */
  settle(timeoutMs: number): Promise<boolean> {
    return eventually('every send to be acked', () => Promise.resolve(this.outstanding === 0), timeoutMs, 100).catch(() => false);
  }

  /** Waits until the watcher has seen every acked message in MySQL. */
  persisted(timeoutMs: number): Promise<boolean> {
    return eventually('every acked message in MySQL', () => Promise.resolve(this.unpersisted.size === 0), timeoutMs, 250).catch(
      () => false,
    );
  }

  dispose(): void {
    this.stop();
    clearInterval(this.tick);
    clearInterval(this.watcher);
  }

  private onTick(): void {
    const now = Date.now();
    const perSender = this.options.ratePerSecond / this.outboxes.length;
    const elapsed = ((this.stoppedAt || now) - this.startedAt) / 1000;
    for (const outbox of this.outboxes) {
      const due = Math.floor(elapsed * perSender + outbox.phase);
      while (outbox.created < due) this.create(outbox, now);
      this.pump(outbox, now);
    }
  }

  private create(outbox: Outbox, now: number): void {
    const { client } = outbox;
    const n = outbox.created++;
    const clientMsgId = `${this.tag}-${client.userId}-${n}`;
    const record: SendRecord = {
      clientMsgId,
      room: client.rooms[n % client.rooms.length],
      senderId: client.userId,
      content: `load ${clientMsgId}`,
      createdAt: now,
      attempts: 0,
      notBefore: now,
      otherAcks: [],
    };
    this.records.push(record);
    outbox.queue.push(record);
  }

  private pump(outbox: Outbox, now: number): void {
    while (outbox.inFlight < this.window && outbox.client.connected) {
      const next = outbox.queue[0];
      if (!next || next.notBefore > now) return;
      outbox.queue.shift();
      void this.attempt(outbox, next);
    }
  }

  private async attempt(outbox: Outbox, record: SendRecord): Promise<void> {
    record.attempts++;
    outbox.inFlight++;
    let retryInMs: number | undefined;
    try {
      const payload = { room: record.room, msg: record.content, clientMsgId: record.clientMsgId };
      const ack = await request(outbox.client.socket, 'message', payload, this.ackTimeoutMs);
      if (ack.ok) this.acked(record, ack.data);
      else {
        this.errorAcks[ack.error.code] = (this.errorAcks[ack.error.code] ?? 0) + 1;
        if (ack.error.code === ErrorCode.Unavailable) retryInMs = backoff(record.attempts);
        else if (ack.error.code === ErrorCode.RateLimited) retryInMs = 1_000;
        else {
          record.failed = ack.error.code;
          record.failedMessage = ack.error.message;
        }
      }
    } catch (error) {
      this.interrupted[/timed out/.test((error as Error).message) ? 'timeout' : 'disconnect']++;
      retryInMs = backoff(record.attempts);
    } finally {
      outbox.inFlight--;
    }
    if (retryInMs === undefined) return;
    record.notBefore = Date.now() + retryInMs;
    // Back in creation order: a sender retries its oldest message first.
    const at = outbox.queue.findIndex((queued) => queued.createdAt > record.createdAt);
    outbox.queue.splice(at === -1 ? outbox.queue.length : at, 0, record);
  }

  private acked(record: SendRecord, ack: MessageAccepted): void {
    if (!record.ack) {
      record.ack = ack;
      record.ackedAt = Date.now();
      this.unpersisted.set(ack.id, record);
    } else if (record.ack.id !== ack.id || record.ack.seq !== ack.seq) record.otherAcks.push(ack);
  }

  private async pollPersistence(): Promise<void> {
    if (this.polling || this.unpersisted.size === 0) return;
    this.polling = true;
    try {
      const ids = [...this.unpersisted.keys()];
      for (let i = 0; i < ids.length; i += 1_000) {
        const [rows] = await this.db.query<RowDataPacket[]>('SELECT id FROM messages WHERE id IN (?)', [ids.slice(i, i + 1_000)]);
        const now = Date.now();
        for (const row of rows) {
          const record = this.unpersisted.get(String(row.id));
          if (record) record.persistedAt = now;
          this.unpersisted.delete(String(row.id));
        }
      }
    } catch {
      this.persistencePollFailures++; // MySQL is away: that is what some scenarios do
    } finally {
      this.polling = false;
    }
  }

  /** The headline figures of this run. */
  figures(): LoadFigures {
    const acked = this.records.filter((r) => r.ack);
    const lags = acked.filter((r) => r.persistedAt).map((r) => r.persistedAt! - r.ackedAt!);
    const ackLatencies = acked.map((r) => r.ackedAt! - r.createdAt);
    const failed: Record<string, number> = {};
    for (const r of this.records) if (r.failed) failed[r.failed] = (failed[r.failed] ?? 0) + 1;
    const seconds = ((this.stoppedAt || Date.now()) - this.startedAt) / 1000;
    return {
      seconds,
      offeredPerSecond: this.records.length / seconds,
      sent: this.records.length,
      acked: acked.length,
      failed,
      retries: this.records.reduce((sum, r) => sum + Math.max(0, r.attempts - 1), 0),
      errorAcks: { ...this.errorAcks },
      interrupted: { ...this.interrupted },
      persisted: lags.length,
      ackMismatches: this.records.reduce((sum, r) => sum + r.otherAcks.length, 0),
      maxLagMs: Math.max(0, ...lags),
      p50LagMs: percentile(lags, 0.5),
      p99LagMs: percentile(lags, 0.99),
      maxAckMs: Math.max(0, ...ackLatencies),
      p50AckMs: percentile(ackLatencies, 0.5),
    };
  }
}

export interface LoadFigures {
  seconds: number;
  offeredPerSecond: number;
  sent: number;
  acked: number;
  failed: Record<string, number>;
  retries: number;
  errorAcks: Record<string, number>;
  interrupted: { timeout: number; disconnect: number };
  persisted: number;
  ackMismatches: number;
  maxLagMs: number;
  p50LagMs: number;
  p99LagMs: number;
  maxAckMs: number;
  p50AckMs: number;
}

function backoff(attempts: number): number {
  return Math.min(200 * 2 ** (attempts - 1), 2_000) + Math.random() * 200;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
