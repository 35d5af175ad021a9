import { randomBytes } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { type ChatMessage, ErrorCode } from '@chat/contracts';
import { request } from '../support/clients';
import { eventually } from '../support/wait';
import { EVENT_TIMEOUT_MS, type LoadClient } from './fleet';
import { type LatencyDump, LatencyRecorder, wallClockMs } from './latency';

/** Every message of a mix starts with this, then its clientMsgId, its send time and the replica its sender was on. */
const MARK = 'mix';
/** Sends one sender keeps in flight at most (acks pending). */
const WINDOW = 4;

/** One message of a mix, from its first emission to its ack (or its final refusal). */
export interface MixSend {
  clientMsgId: string;
  room: number;
  senderId: number;
  /** When it was due: a sender that is away sends it once it is back. */
  createdAt: number;
  /** wallClockMs() of the first emission, also written into the content. */
  sentAt?: number;
  attempts: number;
  notBefore: number;
  ack?: { id: string; seq: number };
  ackedAt?: number;
  /** A refusal the contract says not to retry. */
  failed?: string;
}

export interface MixOptions {
  /** The clients that send; each sends `perSenderPerSecond` messages a second to its rooms in turn. */
  senders: LoadClient[];
  perSenderPerSecond: number;
  ackTimeoutMs?: number;
  /** One mix spread over several generator processes shares its tag (clientMsgIds stay apart: they carry the sender's id). */
  tag?: string;
}

/**
 * A steady message mix from a share of the clients. Each message carries, in its content, its
 * clientMsgId, the moment it was first sent (wallClockMs, comparable across processes) and the
 * replica its sender was on then, so any receiver, in any generator process, can time it and
 * tell whose messages crossed a failing replica. UNAVAILABLE, RATE_LIMITED, an ack timeout or a
 * disconnect are retried with the same clientMsgId once the sender is connected (the content
 * unchanged), until acked; any other refusal is final and recorded.
 */
export class MessageMix {
  readonly tag: string;
  readonly sends: MixSend[] = [];
  readonly errorAcks: Record<string, number> = {};
  readonly interrupted = { timeout: 0, disconnect: 0 };
  private readonly outboxes: { client: LoadClient; queue: MixSend[]; inFlight: number; created: number; phase: number }[];
  private readonly contents = new Map<MixSend, string>();
  private readonly ackTimeoutMs: number;
  private startedAt = 0;
  private stoppedAt = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: MixOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? EVENT_TIMEOUT_MS;
    this.tag = options.tag ?? mixTag();
    const count = options.senders.length;
    this.outboxes = options.senders.map((client, i) => ({ client, queue: [], inFlight: 0, created: 0, phase: i / Math.max(count, 1) }));
  }

  start(): void {
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.onTick(), 20);
  }

  /**
   * No new messages from now on; those under way are still retried until settled. What fell due
   * up to now is created at once, so settle() cannot return before the last tick's messages exist.
   */
  stop(): void {
    if (this.stoppedAt) return;
    this.stoppedAt = Date.now();
    if (this.timer) this.onTick();
  }

  get outstanding(): number {
    return this.sends.filter((send) => !send.ack && !send.failed).length;
  }

  /** Waits until every message is acked or finally refused (false if some are not within `timeoutMs`). */
  settle(timeoutMs: number): Promise<boolean> {
    return eventually('every send to be acked', () => Promise.resolve(this.outstanding === 0), timeoutMs, 100).catch(() => false);
  }

  dispose(): void {
    this.stop();
    clearInterval(this.timer);
  }

  private onTick(): void {
    const now = Date.now();
    const elapsed = ((this.stoppedAt || now) - this.startedAt) / 1000;
    for (const outbox of this.outboxes) {
      const due = Math.floor(elapsed * this.options.perSenderPerSecond + outbox.phase);
      while (outbox.created < due) {
        const { client } = outbox;
        const n = outbox.created++;
        const send: MixSend = {
          clientMsgId: `${this.tag}-${client.userId}-${n}`,
          room: client.rooms[n % client.rooms.length],
          senderId: client.userId,
          createdAt: now,
          attempts: 0,
          notBefore: now,
        };
        this.sends.push(send);
        outbox.queue.push(send);
      }
      while (outbox.inFlight < WINDOW && outbox.client.connected) {
        const next = outbox.queue[0];
        if (!next || next.notBefore > now) break;
        outbox.queue.shift();
        void this.attempt(outbox, next);
      }
    }
  }

  private async attempt(outbox: MessageMix['outboxes'][number], send: MixSend): Promise<void> {
    send.attempts++;
    outbox.inFlight++;
    let content = this.contents.get(send);
    if (!content) {
      send.sentAt = wallClockMs();
      content = `${MARK} ${send.clientMsgId} ${send.sentAt.toFixed(3)} ${outbox.client.replica ?? '?'}`;
      this.contents.set(send, content);
    }
    let retryInMs: number | undefined;
    try {
      const ack = await request(
        outbox.client.socket,
        'message',
        { room: send.room, msg: content, clientMsgId: send.clientMsgId },
        this.ackTimeoutMs,
      );
      if (ack.ok) {
        send.ack ??= { id: ack.data.id, seq: ack.data.seq };
        send.ackedAt ??= Date.now();
        this.contents.delete(send);
      } else {
        this.errorAcks[ack.error.code] = (this.errorAcks[ack.error.code] ?? 0) + 1;
        if (ack.error.code === ErrorCode.Unavailable) retryInMs = backoff(send.attempts);
        else if (ack.error.code === ErrorCode.RateLimited) retryInMs = 1_000;
        else send.failed = ack.error.code;
      }
    } catch (error) {
      this.interrupted[/timed out/.test((error as Error).message) ? 'timeout' : 'disconnect']++;
      retryInMs = backoff(send.attempts);
    } finally {
      outbox.inFlight--;
    }
    if (retryInMs === undefined) return;
    send.notBefore = Date.now() + retryInMs;
    // Back in creation order: a sender retries its oldest message first.
    const at = outbox.queue.findIndex((queued) => queued.createdAt > send.createdAt);
    outbox.queue.splice(at === -1 ? outbox.queue.length : at, 0, send);
  }

  figures(): MixFigures {
    const acked = this.sends.filter((send) => send.ack);
    const seconds = ((this.stoppedAt || Date.now()) - this.startedAt) / 1000;
    return {
      tag: this.tag,
      senders: this.outboxes.length,
      seconds,
      sent: this.sends.length,
      acked: acked.length,
      failed: this.sends.filter((send) => send.failed).length,
      unsettled: this.outstanding,
      retried: this.sends.filter((send) => send.attempts > 1).length,
      errorAcks: { ...this.errorAcks },
      interrupted: { ...this.interrupted },
    };
  }
}

export interface MixFigures {
  tag: string;
  senders: number;
  seconds: number;
  sent: number;
  acked: number;
  failed: number;
  /** Neither acked nor finally refused when the figures were taken. */
  unsettled: number;
  /** Sends that took more than one attempt. */
  retried: number;
  errorAcks: Record<string, number>;
  interrupted: { timeout: number; disconnect: number };
}

/** A fresh mix tag: the prefix of its clientMsgIds, and how its rows are found in MySQL. */
export function mixTag(): string {
  return `mx${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

function backoff(attempts: number): number {
  return Math.min(200 * 2 ** (attempts - 1), 2_000) + Math.random() * 200;
}

/** A mix message's fields, read back from its content; undefined for any other message. */
export function parseMix(
  message: Pick<ChatMessage, 'content'>,
): { clientMsgId: string; tag: string; sentAt: number; replica: string } | undefined {
  const [mark, clientMsgId, sentAt, replica] = message.content.split(' ');
  if (mark !== MARK || !clientMsgId || !sentAt) return undefined;
  return { clientMsgId, tag: clientMsgId.slice(0, clientMsgId.indexOf('-')), sentAt: Number(sentAt), replica: replica ?? '?' };
}

/** Who a delivery counts for besides `all`: a class name (such as `survivors`), or undefined. */
export type Classify = (receiver: LoadClient, senderReplica: string) => string | undefined;

/** One mix's live deliveries to this process's clients. */
interface MixTally {
  /** Local receivers of each message, by their index in the tally's clients. */
  receivers: Map<string, Set<number>>;
  /** A receiver that got the same message live twice. */
  duplicates: number;
  latency: Map<string, LatencyRecorder>;
}

export interface TallyDump {
  /** Distinct local receivers per clientMsgId. */
  delivered: Record<string, number>;
  duplicates: number;
  latency: Record<string, LatencyDump>;
}

/**
 * The live deliveries of every mix to a set of clients, by mix tag: how many distinct clients got
 * each message, which of them got one twice, and the latency of each delivery (send → receive)
 * under `all` and under the class `classify` names. A message that reaches a client only through
 * `sync` is not a delivery here (its client's HeldRoom has it; checkClients judges those).
 */
export class DeliveryTally {
  private readonly tallies = new Map<string, MixTally>();
  private readonly index = new Map<LoadClient, number>();
  classify?: Classify;

  constructor(readonly clients: LoadClient[]) {
    clients.forEach((client, i) => {
      this.index.set(client, i);
      client.socket.on('message', (message) => this.onMessage(client, message));
    });
  }

  private onMessage(client: LoadClient, message: ChatMessage): void {
    const receivedAt = wallClockMs();
    const mix = parseMix(message);
    if (!mix) return;
    const tally = this.tallyOf(mix.tag);
    const who = this.index.get(client)!;
    const receivers = tally.receivers.get(mix.clientMsgId) ?? new Set<number>();
    tally.receivers.set(mix.clientMsgId, receivers);
    if (receivers.has(who)) {
      tally.duplicates++;
      return;
    }
    receivers.add(who);
    const latency = receivedAt - mix.sentAt;
    this.recorder(tally, 'all').record(mix.sentAt, latency);
    const label = this.classify?.(client, mix.replica);
    if (label) this.recorder(tally, label).record(mix.sentAt, latency);
  }

  latency(tag: string, label = 'all'): LatencyRecorder {
    return this.recorder(this.tallyOf(tag), label);
  }

  duplicates(tag: string): number {
    return this.tallyOf(tag).duplicates;
  }

  /** Distinct local receivers of each message of the mix. */
  delivered(tag: string): Map<string, number> {
    return new Map([...this.tallyOf(tag).receivers].map(([id, set]) => [id, set.size]));
  }

  dump(tag: string): TallyDump {
    const tally = this.tallyOf(tag);
    return {
      delivered: Object.fromEntries(this.delivered(tag)),
      duplicates: tally.duplicates,
      latency: Object.fromEntries([...tally.latency].map(([label, recorder]) => [label, recorder.dump()])),
    };
  }

  forget(tag: string): void {
    this.tallies.delete(tag);
  }

  private tallyOf(tag: string): MixTally {
    let tally = this.tallies.get(tag);
    if (!tally) this.tallies.set(tag, (tally = { receivers: new Map(), duplicates: 0, latency: new Map() }));
    return tally;
  }

  private recorder(tally: MixTally, label: string): LatencyRecorder {
    let recorder = tally.latency.get(label);
    if (!recorder) tally.latency.set(label, (recorder = new LatencyRecorder()));
    return recorder;
  }
}

/**
 * The class of the storm's bystanders: a receiver connected to a surviving replica since before
 * the fault (`since`), for messages whose sender was not on the failed replica when it sent them.
 * Their latency is what the storm costs the replicas that keep serving.
 */
export function survivorsClass(failed: string[], since: number): Classify {
  return (receiver, senderReplica) => {
    const last = receiver.readies.at(-1);
    const replica = receiver.replica;
    if (!replica || !last || failed.includes(replica) || last.at >= since || failed.includes(senderReplica)) return undefined;
    return 'survivors';
  };
}

export interface BackFigures {
  /** Clients the fault cut off. */
  affected: number;
  /** Of those, clients with a `ready` since the fault. */
  back: number;
  /** Since the fault, ms, until each affected client's first `ready` (Infinity for one not back). */
  readyMs: number[];
  /** Until each one had re-joined and synced its rooms again. */
  resumedMs: number[];
  /** Where the affected clients are now. */
  landedOn: Record<string, number>;
}

/** When each of `affected` came back after `since`: its first `ready` and its first completed resume. */
export function backAfter(affected: LoadClient[], since: number): BackFigures {
  const readyMs: number[] = [];
  const resumedMs: number[] = [];
  const landedOn: Record<string, number> = {};
  let back = 0;
  for (const client of affected) {
    const ready = client.readies.find((r) => r.at >= since);
    if (ready) back++;
    readyMs.push(ready ? ready.at - since : Infinity);
    const resumed = ready ? client.resumedAt.find((at) => at >= ready.at) : undefined;
    resumedMs.push(resumed !== undefined ? resumed - since : Infinity);
    const now = client.replica ?? 'none';
    landedOn[now] = (landedOn[now] ?? 0) + 1;
  }
  return { affected: affected.length, back, readyMs, resumedMs, landedOn };
}

/** Merges the per-process figures of one fault. */
export function mergeBack(parts: BackFigures[]): BackFigures {
  const landedOn: Record<string, number> = {};
  for (const part of parts) for (const [replica, n] of Object.entries(part.landedOn)) landedOn[replica] = (landedOn[replica] ?? 0) + n;
  return {
    affected: parts.reduce((sum, p) => sum + p.affected, 0),
    back: parts.reduce((sum, p) => sum + p.back, 0),
    readyMs: parts.flatMap((p) => p.readyMs),
    resumedMs: parts.flatMap((p) => p.resumedMs),
    landedOn,
  };
}

export interface StoredCheck {
  /** Acked messages with no row. */
  missing: number;
  /** Extra rows for one clientMsgId. */
  duplicates: number;
  /** Rows unlike their ack (id, seq or room). */
  mismatched: number;
  problems: string[];
}

/** Every acked send of the mixes `tags` is in MySQL exactly once, as acked. */
export async function checkStored(db: Pool, sends: Pick<MixSend, 'clientMsgId' | 'room' | 'ack'>[], tags: string[]): Promise<StoredCheck> {
  const rows: RowDataPacket[] = [];
  for (const tag of tags) {
    const [found] = await db.query<RowDataPacket[]>('SELECT id, room_id, seq, client_msg_id FROM messages WHERE client_msg_id LIKE ?', [
      `${tag}-%`,
    ]);
    rows.push(...found);
  }
  const byClientMsgId = new Map<string, RowDataPacket[]>();
  for (const row of rows) {
    const key = String(row.client_msg_id);
    byClientMsgId.set(key, [...(byClientMsgId.get(key) ?? []), row]);
  }
  const missing: string[] = [];
  const mismatched: string[] = [];
  let duplicates = 0;
  for (const stored of byClientMsgId.values()) duplicates += stored.length - 1;
  for (const send of sends) {
    if (!send.ack) continue;
    const row = byClientMsgId.get(send.clientMsgId)?.[0];
    if (!row) missing.push(`${send.clientMsgId} (seq ${send.ack.seq} in room ${send.room})`);
    else if (String(row.id) !== send.ack.id || Number(row.seq) !== send.ack.seq || Number(row.room_id) !== send.room)
      mismatched.push(`${send.clientMsgId}: acked ${send.ack.id}/${send.ack.seq}, stored ${String(row.id)}/${String(row.seq)}`);
  }
  const problems: string[] = [];
  if (missing.length) problems.push(`${missing.length} acked messages not in MySQL, e.g. ${missing.slice(0, 3).join('; ')}`);
  if (duplicates) problems.push(`${duplicates} duplicate rows for one clientMsgId`);
  if (mismatched.length) problems.push(`${mismatched.length} rows unlike their ack, e.g. ${mismatched.slice(0, 3).join('; ')}`);
  return { missing: missing.length, duplicates, mismatched: mismatched.length, problems };
}

/** Waits until the worker has written every acked send of the mixes (false if it has not within `timeoutMs`). */
export async function waitStored(db: Pool, acked: number, tags: string[], timeoutMs: number): Promise<boolean> {
  return eventually(
    'every acked message in MySQL',
    async () => {
      let stored = 0;
      for (const tag of tags) {
        const [rows] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM messages WHERE client_msg_id LIKE ?', [`${tag}-%`]);
        stored += Number(rows[0]?.n ?? 0);
      }
      return stored >= acked;
    },
    timeoutMs,
    250,
  ).catch(() => false);
}
