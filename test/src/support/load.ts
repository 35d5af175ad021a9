import { randomBytes } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { io } from 'socket.io-client';
import { type ChatMessage, ErrorCode, type MessageAccepted, type ReadyEvent } from '@chat/contracts';
import { type ChatClient, createRoom, registerUser, request, type Session } from './clients';
import { eventually } from './wait';

/** The page size clients ask `sync` for; a shorter page means the end. */
const SYNC_PAGE = 100;
/** Live messages from different replicas may arrive out of order: a gap is only chased after this long (EVENTS.md). */
const GAP_GRACE_MS = 1_000;
const EVENT_TIMEOUT_MS = 5_000;

// ───────────────────────────── receiving side ─────────────────────────────

interface Held {
  id: string;
  clientMsgId?: string;
}

/** What one client holds of one room: messages by seq, merged from live events and syncs. */
export class RoomView {
  readonly bySeq = new Map<number, Held>();
  private readonly seqByClientMsgId = new Map<string, number>();
  /** Every seq up to this one is held (or precedes the client's first join). */
  contiguous: number;
  /** The highest seq the client knows exists: from messages and from join_room's lastSeq. */
  known: number;
  gapSince?: number;
  syncing = false;
  lastSyncAt = 0;
  /** The same message delivered again (live and by sync, say): harmless, merged by id. */
  redundant = 0;
  /** Live messages that came after a higher seq. */
  outOfOrder = 0;
  /** Two different messages claiming one seq, or one clientMsgId stored at two seqs. */
  readonly conflicts: string[] = [];
  private highestLive: number;

  constructor(
    readonly room: number,
    /** join_room's lastSeq at the first join: the client is only expected to hold what follows. */
    readonly baseline: number,
  ) {
    this.contiguous = this.known = this.highestLive = baseline;
  }

  learn(lastSeq: number): void {
    this.known = Math.max(this.known, lastSeq);
    this.trackGap();
  }

  add(message: Pick<ChatMessage, 'id' | 'seq' | 'clientMsgId'>, live: boolean): void {
    if (message.seq <= this.baseline) return;
    if (live) {
      if (message.seq < this.highestLive) this.outOfOrder++;
      this.highestLive = Math.max(this.highestLive, message.seq);
    }
    const held = this.bySeq.get(message.seq);
    if (held) {
      if (held.id === message.id) this.redundant++;
      else this.conflicts.push(`room ${this.room} seq ${message.seq}: ${held.id} and ${message.id}`);
      return;
    }
    if (message.clientMsgId) {
      const other = this.seqByClientMsgId.get(message.clientMsgId);
      if (other !== undefined)
        this.conflicts.push(`room ${this.room} clientMsgId ${message.clientMsgId} at seq ${other} and ${message.seq}`);
      this.seqByClientMsgId.set(message.clientMsgId, message.seq);
    }
    this.bySeq.set(message.seq, { id: message.id, clientMsgId: message.clientMsgId });
    this.known = Math.max(this.known, message.seq);
    while (this.bySeq.has(this.contiguous + 1)) this.contiguous++;
    this.trackGap();
  }

  get gapDue(): boolean {
    const now = Date.now();
    return this.gapSince !== undefined && now - this.gapSince >= GAP_GRACE_MS && now - this.lastSyncAt >= GAP_GRACE_MS && !this.syncing;
  }

  private trackGap(): void {
    if (this.contiguous >= this.known) this.gapSince = undefined;
    else this.gapSince ??= Date.now();
  }
}

export interface ClientCounters {
  disconnects: number;
  resumes: number;
  syncs: number;
  gapSyncs: number;
  syncFailures: number;
  joinFailures: number;
}

/** A fleet's totals: its clients' counters and their rooms' delivery figures. */
export interface Counters extends ClientCounters {
  redundant: number;
  outOfOrder: number;
}

/**
 * One user's socket, behaving like a careful client: reconnects by itself (also after the server
 * closed it on purpose), and on every `ready` after the first re-joins
 * its rooms and syncs from the highest contiguous seq it holds; a gap it notices is synced after
 * a grace period, again until it closes.
 */
export class LoadClient {
  readonly socket: ChatClient;
  readonly readies: { at: number; replica: string }[] = [];
  readonly resumedAt: number[] = [];
  readonly views = new Map<number, RoomView>();
  readonly counters: ClientCounters = { disconnects: 0, resumes: 0, syncs: 0, gapSyncs: 0, syncFailures: 0, joinFailures: 0 };
  /** Between `ready` and `disconnect`: sends may go out. */
  connected = false;
  private generation = 0;
  private closed = false;
  private firstReady?: (ready: ReadyEvent) => void;

  constructor(
    url: string,
    readonly session: Session,
    readonly rooms: number[],
  ) {
    this.socket = io(url, {
      auth: { token: session.access_token },
      transports: ['websocket'],
      forceNew: true,
      autoConnect: false,
      reconnectionDelay: 300,
      reconnectionDelayMax: 2_000,
    });
    this.socket.on('ready', (ready) => this.onReady(ready));
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    // A refusal by the server's middleware (Redis away, say) is not retried by Socket.IO itself.
    this.socket.on('connect_error', () => !this.socket.active && this.later(1_000, () => this.socket.connect()));
    this.socket.on('message', (message) => this.views.get(message.roomId)?.add(message, true));
  }

  get userId(): number {
    return this.session.user.id;
  }

  get replica(): string | undefined {
    return this.connected ? this.readies.at(-1)?.replica : undefined;
  }

  /** Connects, waits for `ready`, and joins the rooms; join_room's lastSeq is where this client's history starts. */
  async open(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<ReadyEvent>((resolve, reject) => {
      this.firstReady = resolve;
      timer = setTimeout(() => reject(new Error(`user ${this.userId}: no ready within 10 s`)), 10_000);
    });
    this.socket.connect();
    await ready.finally(() => clearTimeout(timer));
    for (const room of this.rooms) {
      const joined = await request(this.socket, 'join_room', room);
      if (!joined.ok) throw new Error(`join_room ${room}: ${joined.error.code}`);
      this.views.set(room, new RoomView(room, joined.data.lastSeq));
    }
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }

  /** Sync every room whose gap has outlived the grace period (called by the fleet's timer). */
  repairGaps(): void {
    if (!this.connected) return;
    for (const view of this.views.values()) if (view.gapDue) void this.sync(view, 'gap');
  }

  private onReady(ready: ReadyEvent): void {
    this.readies.push({ at: Date.now(), replica: ready.replica });
    this.connected = true;
    const generation = ++this.generation;
    if (this.firstReady) {
      this.firstReady(ready);
      this.firstReady = undefined;
      return;
    }
    void this.resume(generation);
  }

  private onDisconnect(reason: string): void {
    this.connected = false;
    this.generation++;
    if (this.closed) return;
    this.counters.disconnects++;
    // Nobody is logged out or banned in these suites: a server-side close means the replica is going away.
    if (reason === 'io server disconnect') this.later(200 + Math.random() * 300, () => this.socket.connect());
  }

  /** join_room first, then sync: a message sent in between comes live or in the sync, perhaps both. */
  private async resume(generation: number): Promise<void> {
    for (const view of this.views.values()) {
      if (!(await this.rejoin(view, generation))) return;
      await this.sync(view, 'resume');
    }
    if (generation === this.generation) {
      this.counters.resumes++;
      this.resumedAt.push(Date.now());
    }
  }

  private async rejoin(view: RoomView, generation: number): Promise<boolean> {
    while (generation === this.generation) {
      const joined = await request(this.socket, 'join_room', view.room, EVENT_TIMEOUT_MS).catch(() => undefined);
      if (joined?.ok) {
        view.learn(joined.data.lastSeq);
        return true;
      }
      this.counters.joinFailures++;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return false;
  }

  /** Pages `sync` from the highest contiguous seq until a short page; false if a request failed. */
  async sync(view: RoomView, why: 'resume' | 'gap'): Promise<boolean> {
    if (view.syncing) return false;
    view.syncing = true;
    this.counters[why === 'gap' ? 'gapSyncs' : 'syncs']++;
    try {
      let afterSeq = view.contiguous;
      for (;;) {
        const ack = await request(this.socket, 'sync', { room: view.room, afterSeq, limit: SYNC_PAGE }, EVENT_TIMEOUT_MS);
        if (!ack.ok) throw new Error(ack.error.code);
        for (const message of ack.data.messages) view.add(message, false);
        const last = ack.data.messages.at(-1);
        if (!last || ack.data.messages.length < SYNC_PAGE) return true;
        afterSeq = last.seq;
      }
    } catch {
      this.counters.syncFailures++;
      return false;
    } finally {
      view.syncing = false;
      view.lastSyncAt = Date.now();
    }
  }

  private later(ms: number, action: () => void): void {
    setTimeout(() => !this.closed && !this.socket.connected && action(), ms);
  }
}

export interface FleetOptions {
  users: number;
  roomsPerUser: number;
  membersPerRoom: number;
}

/**
 * Users, rooms and one connected client per user. Room r's members are `membersPerRoom`
 * consecutive users starting at r × stride, so every user is in `roomsPerUser` rooms and rooms
 * overlap, spreading every sender's traffic over several rooms and replicas.
 */
export class ChatFleet {
  private readonly repairTimer: NodeJS.Timeout;

  private constructor(
    readonly clients: LoadClient[],
    readonly rooms: number[],
  ) {
    this.repairTimer = setInterval(() => this.clients.forEach((client) => client.repairGaps()), 250);
  }

  static async create(url: string, options: FleetOptions): Promise<ChatFleet> {
    const stride = options.membersPerRoom / options.roomsPerUser;
    if (!Number.isInteger(stride) || options.users % stride !== 0) throw new Error('membersPerRoom / roomsPerUser must divide users');
    const tag = randomBytes(3).toString('hex');
    const sessions = await inBatches(range(options.users), 8, (i) => registerUser(url, `load${tag}${i}`));
    const memberLists = range(options.users / stride).map((r) =>
      range(options.membersPerRoom).map((k) => (r * stride + k) % options.users),
    );
    const rooms = await inBatches(memberLists, 4, ([owner, ...others]) =>
      createRoom(url, sessions[owner], { name: `load ${tag}`, isPrivate: true, invitedUserIds: others.map((i) => sessions[i].user.id) }),
    );
    const clients = sessions.map(
      (session, i) =>
        new LoadClient(
          url,
          session,
          rooms.filter((_, r) => memberLists[r].includes(i)),
        ),
    );
    const fleet = new ChatFleet(clients, rooms);
    try {
      await inBatches(clients, 10, (client) => client.open());
    } catch (error) {
      fleet.close();
      throw error;
    }
    return fleet;
  }

  /** Clients currently connected to `replica`. */
  on(replica: string): LoadClient[] {
    return this.clients.filter((client) => client.replica === replica);
  }

  /** How many clients each replica holds right now. */
  spread(): Record<string, number> {
    const spread: Record<string, number> = {};
    for (const client of this.clients) if (client.replica) spread[client.replica] = (spread[client.replica] ?? 0) + 1;
    return spread;
  }

  /** The highest seq any client knows of in each room: where the next scenario's messages begin. */
  floors(): Map<number, number> {
    const floors = new Map<number, number>();
    for (const client of this.clients)
      for (const view of client.views.values()) floors.set(view.room, Math.max(floors.get(view.room) ?? 0, view.known));
    return floors;
  }

  counters(): Counters {
    const total: Counters = {
      disconnects: 0,
      resumes: 0,
      syncs: 0,
      gapSyncs: 0,
      syncFailures: 0,
      joinFailures: 0,
      redundant: 0,
      outOfOrder: 0,
    };
    for (const client of this.clients) {
      for (const key of Object.keys(client.counters) as (keyof ClientCounters)[]) total[key] += client.counters[key];
      for (const view of client.views.values()) {
        total.redundant += view.redundant;
        total.outOfOrder += view.outOfOrder;
      }
    }
    return total;
  }

  /** Waits (without failing) until every client holds every room contiguously up to `target` and is connected. */
  async converge(target: Map<number, number>, timeoutMs: number): Promise<boolean> {
    const done = () =>
      this.clients.every(
        (client) => client.connected && client.rooms.every((room) => client.views.get(room)!.contiguous >= (target.get(room) ?? 0)),
      );
    return eventually('every client to catch up', () => Promise.resolve(done()), timeoutMs, 200).catch(() => false);
  }

  close(): void {
    clearInterval(this.repairTimer);
    for (const client of this.clients) client.close();
  }
}

// ───────────────────────────── sending side ─────────────────────────────

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

// ───────────────────────────── verification ─────────────────────────────

export interface StorageCheck {
  /** Acked messages with no row. */
  missing: number;
  /** Extra rows for one clientMsgId. */
  duplicates: number;
  /** Rows that disagree with their ack (id, seq or room). */
  mismatched: number;
  /** Rows stored for a send that was finally refused. */
  orphans: number;
  /** Seqs with no row between this run's lowest and highest acked seq of a room. */
  holes: number;
  /** Rooms whose last_message is not their highest-seq row. */
  wrongLastMessage: number;
  problems: string[];
}

/** Acked ⊆ MySQL, each exactly once, as acked; no holes; rooms.last_message at the highest seq. */
export async function checkStorage(db: Pool, load: Load, rooms: number[]): Promise<StorageCheck> {
  const problems: string[] = [];
  const note = (count: number, what: string, examples: string[]) => {
    if (count > 0) problems.push(`${count} ${what}${examples.length ? `, e.g. ${examples.slice(0, 3).join('; ')}` : ''}`);
  };
  const [rows] = await db.query<RowDataPacket[]>('SELECT id, room_id, seq, client_msg_id FROM messages WHERE client_msg_id LIKE ?', [
    `${load.tag}-%`,
  ]);
  const byClientMsgId = new Map<string, RowDataPacket[]>();
  for (const row of rows) byClientMsgId.set(String(row.client_msg_id), [...(byClientMsgId.get(String(row.client_msg_id)) ?? []), row]);

  const missing: string[] = [];
  const duplicates: string[] = [];
  const mismatched: string[] = [];
  const orphans: string[] = [];
  let extraRows = 0;
  for (const record of load.records) {
    const stored = byClientMsgId.get(record.clientMsgId) ?? [];
    if (stored.length > 1) {
      extraRows += stored.length - 1;
      duplicates.push(`${record.clientMsgId} ×${stored.length}`);
    }
    if (record.failed && stored.length > 0) orphans.push(`${record.clientMsgId} refused ${record.failed} but stored`);
    if (!record.ack) continue;
    const row = stored[0];
    if (!row) missing.push(`${record.clientMsgId} (seq ${record.ack.seq} in room ${record.room})`);
    else if (String(row.id) !== record.ack.id || Number(row.seq) !== record.ack.seq || Number(row.room_id) !== record.room)
      mismatched.push(`${record.clientMsgId}: acked ${record.ack.id}/${record.ack.seq}, stored ${String(row.id)}/${String(row.seq)}`);
  }
  note(missing.length, 'acked messages not in MySQL', missing);
  note(extraRows, 'duplicate rows', duplicates);
  note(mismatched.length, 'rows unlike their ack', mismatched);
  note(orphans.length, 'refused sends stored anyway', orphans);

  const holes = await findHoles(db, load);
  note(holes.count, 'seqs with no row between acked messages', holes.examples);

  const wrong = await wrongLastMessages(db, rooms);
  note(wrong.length, 'rooms whose last_message is not their highest-seq message', wrong);
  return {
    missing: missing.length,
    duplicates: extraRows,
    mismatched: mismatched.length,
    orphans: orphans.length,
    holes: holes.count,
    wrongLastMessage: wrong.length,
    problems,
  };
}

async function findHoles(db: Pool, load: Load): Promise<{ count: number; examples: string[] }> {
  const span = new Map<number, { low: number; high: number }>();
  for (const { ack, room } of load.records) {
    if (!ack) continue;
    const current = span.get(room) ?? { low: ack.seq, high: ack.seq };
    span.set(room, { low: Math.min(current.low, ack.seq), high: Math.max(current.high, ack.seq) });
  }
  let count = 0;
  const examples: string[] = [];
  for (const [room, { low, high }] of span) {
    const [rows] = await db.query<RowDataPacket[]>('SELECT seq FROM messages WHERE room_id = ? AND seq BETWEEN ? AND ?', [room, low, high]);
    const present = new Set(rows.map((row) => Number(row.seq)));
    for (let seq = low; seq <= high; seq++) {
      if (present.has(seq)) continue;
      count++;
      if (examples.length < 5) examples.push(`room ${room} seq ${seq}`);
    }
  }
  return { count, examples };
}

async function wrongLastMessages(db: Pool, rooms: number[]): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT r.id, r.last_message_id, r.last_seq, top.id AS top_id, top.seq AS top_seq
       FROM rooms r
       LEFT JOIN messages top ON top.room_id = r.id AND top.seq = (SELECT MAX(seq) FROM messages WHERE room_id = r.id)
      WHERE r.id IN (?)`,
    [rooms],
  );
  return rows
    .filter((row) => row.last_message_id !== row.top_id || Number(row.last_seq) !== Number(row.top_seq))
    .map((row) => `room ${row.id}: last ${row.last_message_id}/${row.last_seq}, highest ${row.top_id}/${row.top_seq}`);
}

export interface ClientCheck {
  /** Client-room pairs whose list differs from MySQL. */
  behind: number;
  /** Messages some client lacks, summed. */
  lacking: number;
  /** Messages some client holds that MySQL does not have (or has under another seq). */
  foreign: number;
  conflicts: number;
  problems: string[];
}

/**
 * Every client holds, for each of its rooms, exactly the stored messages after its first join (and
 * after `floors`, to judge one scenario at a time): no gap, no duplicate.
 */
export async function checkClients(db: Pool, fleet: ChatFleet, floors = new Map<number, number>()): Promise<ClientCheck> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT id, room_id, seq FROM messages WHERE room_id IN (?) AND deleted_at IS NULL', [
    fleet.rooms,
  ]);
  const stored = new Map<number, Map<number, string>>();
  for (const row of rows) {
    const room = Number(row.room_id);
    if (!stored.has(room)) stored.set(room, new Map());
    stored.get(room)!.set(Number(row.seq), String(row.id));
  }
  const problems: string[] = [];
  let behind = 0;
  let lacking = 0;
  let foreign = 0;
  let conflicts = 0;
  for (const client of fleet.clients) {
    for (const view of client.views.values()) {
      conflicts += view.conflicts.length;
      if (view.conflicts.length) problems.push(`user ${client.userId}: ${view.conflicts.slice(0, 3).join('; ')}`);
      const from = Math.max(view.baseline, floors.get(view.room) ?? 0);
      const expected = [...(stored.get(view.room) ?? new Map<number, string>())].filter(([seq]) => seq > from);
      const lacks = expected.filter(([seq, id]) => view.bySeq.get(seq)?.id !== id).map(([seq]) => seq);
      const extra = [...view.bySeq].filter(([seq, held]) => seq > from && stored.get(view.room)?.get(seq) !== held.id).map(([seq]) => seq);
      if (lacks.length === 0 && extra.length === 0) continue;
      behind++;
      lacking += lacks.length;
      foreign += extra.length;
      if (problems.length < 10)
        problems.push(
          `user ${client.userId} room ${view.room} (on ${client.replica ?? 'nothing'}): lacks ${lacks.length} [${summarize(lacks)}], ` +
            `extra ${extra.length} [${summarize(extra)}], contiguous ${view.contiguous}, known ${view.known}`,
        );
    }
  }
  return { behind, lacking, foreign, conflicts, problems };
}

/** The highest stored seq of each room: what every member must reach. */
export async function highestSeqs(db: Pool, rooms: number[]): Promise<Map<number, number>> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT room_id, MAX(seq) AS top FROM messages WHERE room_id IN (?) GROUP BY room_id', [
    rooms,
  ]);
  return new Map(rows.map((row) => [Number(row.room_id), Number(row.top)]));
}

// ───────────────────────────── small helpers ─────────────────────────────

function backoff(attempts: number): number {
  return Math.min(200 * 2 ** (attempts - 1), 2_000) + Math.random() * 200;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

function summarize(seqs: number[]): string {
  return seqs.length > 6 ? `${seqs.slice(0, 3).join(',')}…${seqs.slice(-2).join(',')}` : seqs.join(',');
}
