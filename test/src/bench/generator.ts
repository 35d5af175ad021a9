import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RowDataPacket } from 'mysql2/promise';
import { io, type Socket } from 'socket.io-client';
import { mapLimit, type Population } from './population';
import { averageRss, CpuMeter, type CpuUsage } from './process-stats';
import type { Target } from './targets';

const CONNECT_BATCH = 100;
const CONNECT_TIMEOUT_MS = 20_000;
const ACK_TIMEOUT_MS = 10_000;
/** Joins happen before any measurement; an overloaded server may take long, which is not a failure yet. */
const JOIN_TIMEOUT_MS = 30_000;
const JOIN_CONCURRENCY = 20;
/** A realistic chat line: the payload size matters for the proxy, the adapter and MySQL. */
const PADDING = ' lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt'.slice(0, 80);

type AckReply = { ok: true; data?: unknown } | { ok: false; error?: { code?: string; message?: string } };

interface Delivered {
  roomId?: unknown;
  clientMsgId?: unknown;
}

/** One sent message: when it left, whether it was acked, and which of its room's members got it. */
interface Tracked {
  room: number;
  sentAt: number;
  windowed: boolean;
  failed?: string;
  got: Uint8Array;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

export interface StepTiming {
  warmupMs: number;
  measureMs: number;
  /** Longest wait, after the last send, for outstanding acks and deliveries. */
  settleMs: number;
  /** Longest wait for MySQL to hold every acked message. */
  persistMs: number;
}

export interface PersistCheck {
  checked: boolean;
  ok: boolean;
  /** From the last send to every acked message being in MySQL. */
  drainMs?: number;
  missingRows?: number;
}

export interface StepResult {
  rate: number;
  /** Achieved send rate in the measurement window. */
  sentRate: number;
  /** Messages sent in the measurement window (the CPU figures' window). */
  sentInWindow: number;
  /** Messages sent in the whole step, warm-up included (the counters' window). */
  sent: number;
  acked: number;
  ackErrors: Record<string, number>;
  /** Sends still without an ack when the settle wait ended. */
  pendingAcks: number;
  expected: number;
  received: number;
  missing: number;
  duplicates: number;
  /** Deliveries to a socket that is not in the message's room. */
  misrouted: number;
  disconnects: number;
  deliveriesPerSecond: number;
  /** Send → receive, ms, over every delivery of the messages sent in the window. */
  latency: Percentiles;
  /** Send → ack, ms. */
  ack: Percentiles;
  persisted: PersistCheck;
  cpu: CpuUsage;
}

export interface IdleMemory {
  sockets: number;
  beforeBytes: number;
  afterBytes: number;
  perConnectionBytes: number;
}

/**
 * The load generator: one socket per member (WebSocket only), all in this process. Every message
 * carries a clientMsgId that maps to its send time and its room, so each delivery yields a latency
 * sample and marks one receiver, which is how missing and duplicate deliveries are counted.
 */
export class Fleet {
  private sockets: Socket[] = [];
  private tracked = new Map<string, Tracked>();
  /** Senders in round-robin order, interleaving rooms, so every user sends at rate / users. */
  private readonly order: number[];
  private cursor = 0;
  private counter = 0;
  private totalAcked = 0;
  private step = freshCounters();

  private constructor(
    private readonly target: Target,
    private readonly population: Population,
    private readonly runId: string,
    private readonly membersPerRoom: number,
  ) {
    const rooms = population.roomIds.length;
    this.order = Array.from({ length: population.members.length }, (_, i) => (i % rooms) * membersPerRoom + Math.floor(i / rooms));
  }

  /**
   * Connects every member (a batch at a time, so the connect storm stays out of the measurement)
   * and joins its room. Gives up at `deadline`: a server that answers join_room too slowly would
   * otherwise eat the whole run's budget before the first step.
   */
  static async open(target: Target, population: Population, runId: string, membersPerRoom: number, deadline: number): Promise<Fleet> {
    const fleet = new Fleet(target, population, runId, membersPerRoom);
    try {
      fleet.sockets = await connectMany(
        target,
        population.members.map((m) => m.token),
        (socket, i) => fleet.listen(socket, i),
      );
      await fleet.joinAll(deadline);
    } catch (error) {
      fleet.close();
      throw error;
    }
    return fleet;
  }

  /** Joins every socket to its room, a few at a time; a failure says how far it got and how slow joins were. */
  private async joinAll(deadline: number): Promise<void> {
    const startedAt = performance.now();
    let joined = 0;
    let joinMs = 0;
    const progress = () => {
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);
      const mean = joined > 0 ? `, ${Math.round(joinMs / joined)} ms per join_room on average` : '';
      return `${joined} of ${this.sockets.length} sockets had joined their room after ${seconds} s${mean}`;
    };
    await mapLimit(this.sockets, JOIN_CONCURRENCY, async (socket, i) => {
      if (performance.now() > deadline) throw new Error(`set-up out of time: ${progress()}`);
      const sentAt = performance.now();
      await this.join(socket, i).catch((error: Error) => {
        throw new Error(`${error.message}; ${progress()}`);
      });
      joinMs += performance.now() - sentAt;
      joined++;
    });
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
    this.sockets = [];
  }

  /** One rate step: warm-up, measurement window, then bounded waits for deliveries and for MySQL. */
  async runStep(rate: number, timing: StepTiming): Promise<StepResult> {
    this.tracked.clear();
    this.step = freshCounters();
    const meter = new CpuMeter(this.target.procs);
    await meter.prepare();
    const sentInWindow = await this.drive(rate, timing.warmupMs, timing.measureMs, {
      open: () => {
        this.step.windowOpen = true;
        meter.start();
      },
      close: () => {
        this.step.windowOpen = false;
      },
    });
    const cpu = meter.stop();
    const sendEnd = performance.now();
    await this.settle(timing.settleMs);
    const persisted = await this.checkPersisted(timing.persistMs, sendEnd);
    return this.result(rate, sentInWindow, persisted, cpu);
  }

  /**
   * Sends at `rate` for warm-up + measurement. The schedule is absolute (how many should be out by
   * now), so a late timer catches up instead of lowering the rate; what was really achieved in the
   * window is reported next to the target.
   */
  private drive(rate: number, warmupMs: number, measureMs: number, window: { open(): void; close(): void }): Promise<number> {
    const total = warmupMs + measureMs;
    const start = performance.now();
    let sent = 0;
    let inWindow = 0;
    let opened = false;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        const elapsed = Math.min(performance.now() - start, total);
        if (!opened && elapsed >= warmupMs) {
          opened = true;
          window.open();
        }
        const due = Math.floor((rate * elapsed) / 1000);
        for (; sent < due; sent++) {
          this.send(opened);
          if (opened) inWindow++;
        }
        if (elapsed >= total) {
          clearInterval(timer);
          window.close();
          resolve(inWindow);
        }
      }, 2);
    });
  }

  private send(windowed: boolean): void {
    const index = this.order[this.cursor++ % this.order.length] ?? 0;
    const member = this.population.members[index];
    const socket = this.sockets[index];
    if (!member || !socket) return;
    const clientMsgId = `${this.runId}-${(this.counter++).toString(36)}`;
    const entry: Tracked = { room: member.room, sentAt: performance.now(), windowed, got: new Uint8Array(this.membersPerRoom) };
    this.tracked.set(clientMsgId, entry);
    // A late ack must land in the counters of the step that sent the message.
    const step = this.step;
    step.sent++;
    step.pendingAcks++;
    const payload = { room: this.population.roomIds[member.room], msg: `${clientMsgId}${PADDING}`, clientMsgId };
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit('message', payload, (error: Error | null, reply?: AckReply) => this.acked(step, entry, error, reply));
  }

  private acked(step: StepCounters, entry: Tracked, error: Error | null, reply: AckReply | undefined): void {
    step.pendingAcks--;
    if (error || !reply?.ok) {
      const code = error ? 'ACK_TIMEOUT' : ((reply && !reply.ok ? reply.error?.code : undefined) ?? 'UNKNOWN');
      entry.failed = code;
      step.ackErrors[code] = (step.ackErrors[code] ?? 0) + 1;
      return;
    }
    step.acked++;
    this.totalAcked++;
    if (entry.windowed) step.ackSamples.push(performance.now() - entry.sentAt);
  }

  private listen(socket: Socket, index: number): void {
    const member = this.population.members[index];
    if (!member) return;
    socket.on('message', (message: Delivered) => this.deliver(member.room, member.slot, message));
    socket.on('disconnect', () => this.step.disconnects++);
  }

  private deliver(room: number, slot: number, message: Delivered): void {
    const entry = typeof message?.clientMsgId === 'string' ? this.tracked.get(message.clientMsgId) : undefined;
    if (!entry) return; // a system message, or a straggler from an earlier step
    if (entry.room !== room) {
      this.step.misrouted++;
      return;
    }
    if (entry.got[slot]) {
      this.step.duplicates++;
      return;
    }
    entry.got[slot] = 1;
    this.step.received++;
    if (this.step.windowOpen) this.step.windowDeliveries++;
    if (entry.windowed) this.step.latencySamples.push(performance.now() - entry.sentAt);
  }

  private async join(socket: Socket, index: number): Promise<void> {
    const member = this.population.members[index];
    const roomId = member ? this.population.roomIds[member.room] : undefined;
    const event = this.target.protocol === 'chat' ? 'join_room' : 'join';
    const reply = (await socket
      .timeout(JOIN_TIMEOUT_MS)
      .emitWithAck(event, roomId)
      .catch((error: Error) => {
        throw new Error(`${event} ${roomId}: ${error.message} (${JOIN_TIMEOUT_MS / 1000} s)`);
      })) as AckReply;
    if (!reply.ok) throw new Error(`${event} ${roomId}: ${JSON.stringify(reply)}`);
  }

  /** Waits until every send is acked (or failed) and every acked message reached its room, or the bound. */
  private async settle(settleMs: number): Promise<void> {
    const deadline = performance.now() + settleMs;
    while (performance.now() < deadline) {
      if (this.step.pendingAcks === 0 && this.step.received >= this.step.acked * this.membersPerRoom) return;
      await sleep(50);
    }
  }

  /** Polls MySQL until it holds at least every message acked so far in the run. */
  private async checkPersisted(persistMs: number, sendEnd: number): Promise<PersistCheck> {
    const db = this.target.db;
    if (!db || this.target.persistence === 'none') return { checked: false, ok: true };
    const deadline = performance.now() + persistMs;
    let stored = 0;
    for (;;) {
      const [rows] = await db.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM messages WHERE type = 'chat' AND room_id IN (?)", [
        this.population.roomIds,
      ]);
      stored = Number(rows[0]?.n ?? 0);
      if (stored >= this.totalAcked) return { checked: true, ok: true, drainMs: performance.now() - sendEnd, missingRows: 0 };
      if (performance.now() > deadline) return { checked: true, ok: false, missingRows: this.totalAcked - stored };
      await sleep(100);
    }
  }

  private result(rate: number, sentInWindow: number, persisted: PersistCheck, cpu: CpuUsage): StepResult {
    const s = this.step;
    const windowSeconds = cpu.wallSeconds;
    let received = 0;
    for (const entry of this.tracked.values()) for (const got of entry.got) received += got;
    const expected = s.sent * this.membersPerRoom;
    return {
      rate,
      sentRate: sentInWindow / windowSeconds,
      sentInWindow,
      sent: s.sent,
      acked: s.acked,
      ackErrors: s.ackErrors,
      pendingAcks: s.pendingAcks,
      expected,
      received,
      missing: expected - received,
      duplicates: s.duplicates,
      misrouted: s.misrouted,
      disconnects: s.disconnects,
      deliveriesPerSecond: s.windowDeliveries / windowSeconds,
      latency: percentiles(s.latencySamples),
      ack: percentiles(s.ackSamples),
      persisted,
      cpu,
    };
  }
}

type StepCounters = ReturnType<typeof freshCounters>;

function freshCounters() {
  return {
    sent: 0,
    acked: 0,
    pendingAcks: 0,
    received: 0,
    windowDeliveries: 0,
    windowOpen: false,
    duplicates: 0,
    misrouted: 0,
    disconnects: 0,
    ackErrors: {} as Record<string, number>,
    latencySamples: [] as number[],
    ackSamples: [] as number[],
  };
}

/**
 * RSS growth of the server processes over `count` idle sockets (authenticated for the chat
 * protocol, in no room), averaged over a few samples on each side; the sockets are closed after.
 */
export async function measureIdleMemory(target: Target, population: Population, count: number): Promise<IdleMemory | undefined> {
  const pids = target.serverPids();
  if (pids.length === 0) return undefined;
  const tokens = Array.from({ length: count }, (_, i) => population.members[i % population.members.length]?.token);
  // A first round of the same connections, closed again, touches the pages a server's heap cycles
  // through (V8's young generation alone is tens of MB), so the difference below is what the open
  // connections keep, not how warm the process happened to be.
  for (const socket of await connectMany(target, tokens, () => undefined)) socket.close();
  await sleep(2_000);
  const beforeBytes = await averageRss(pids, 10);
  const sockets = await connectMany(target, tokens, () => undefined);
  try {
    // Presence writes and the first pings settle within a moment.
    await sleep(3_000);
    const afterBytes = await averageRss(pids, 10);
    return { sockets: count, beforeBytes, afterBytes, perConnectionBytes: (afterBytes - beforeBytes) / count };
  } finally {
    for (const socket of sockets) socket.close();
    await sleep(500);
  }
}

/** Opens one socket per token, CONNECT_BATCH at a time; each is ready when the server says so. */
async function connectMany(
  target: Target,
  tokens: (string | undefined)[],
  onCreate: (socket: Socket, index: number) => void,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  try {
    for (let from = 0; from < tokens.length; from += CONNECT_BATCH) {
      const batch = tokens.slice(from, from + CONNECT_BATCH);
      sockets.push(
        ...(await Promise.all(
          batch.map((token, i) => connectOne(socketUrl(target, from + i), target, token, (socket) => onCreate(socket, from + i))),
        )),
      );
    }
  } catch (error) {
    for (const socket of sockets) socket.close();
    throw error;
  }
  return sockets;
}

/** The origin socket `index` connects to: the target's one origin, or its servers' round-robin (ceiling-direct). */
function socketUrl(target: Target, index: number): string {
  const urls = target.socketUrls;
  return urls && urls.length > 0 ? (urls[index % urls.length] ?? target.url) : target.url;
}

function connectOne(url: string, target: Target, token: string | undefined, onCreate: (socket: Socket) => void): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: CONNECT_TIMEOUT_MS,
    ...(token ? { auth: { token } } : {}),
  });
  onCreate(socket);
  const readyEvent = target.protocol === 'chat' ? 'ready' : 'connect';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no ${readyEvent} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    };
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', fail);
  });
}

export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN, count: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN, count: sorted.length };
}
