import { randomBytes } from 'node:crypto';
import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { ConnectRefusal, type ReadyEvent, reconnectDelayMs, type ServerBusyData, type Session } from '@chat/contracts';
import { type ChatClient, createRoom, registerUser, request } from '../support/clients';
import { eventually } from '../support/wait';
import { HeldRoom } from './held-room';

/** The page size clients ask `sync` for; a shorter page means the end. */
const SYNC_PAGE = 100;
/** How long a load client waits for an ack (join, sync, send) before it counts the request as lost. */
export const EVENT_TIMEOUT_MS = 5_000;

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

/** Socket.IO client options a load client may add or override; `localAddress` is handed to the WebSocket (Node only). */
export type LoadSocketOptions = Partial<ManagerOptions & SocketOptions> & { localAddress?: string };

export interface LoadClientOptions {
  /**
   * Over the defaults (WebSocket only, quick reconnection): a source address of its own, or the
   * documented reconnection recipe (SOCKET_RECONNECTION) for suites that measure a reconnect storm.
   */
  socket?: LoadSocketOptions;
  /** How long open() waits for the first `ready` (default 10 s); longer where replicas admit connections at a bounded rate. */
  readyTimeoutMs?: number;
}

/**
 * One user's socket, behaving like a careful client: reconnects by itself (also after the server
 * closed it on purpose, and after a `server_busy` refusal, with the contract's backoff), and on
 * every `ready` after the first re-joins its rooms and syncs from the highest contiguous seq it
 * holds; a gap it notices is synced after a grace period, again until it closes.
 */
export class LoadClient {
  readonly socket: ChatClient;
  readonly readies: { at: number; replica: string }[] = [];
  readonly resumedAt: number[] = [];
  readonly views = new Map<number, HeldRoom>();
  readonly counters: ClientCounters = { disconnects: 0, resumes: 0, syncs: 0, gapSyncs: 0, syncFailures: 0, joinFailures: 0 };
  /** Every `connect_error` by its message (`server_busy`, `timeout`, `websocket error`, …), for suites that count refusals. */
  readonly connectErrors: Record<string, number> = {};
  /** Between `ready` and `disconnect`: sends may go out. */
  connected = false;
  private generation = 0;
  private closed = false;
  private firstReady?: (ready: ReadyEvent) => void;
  /** `server_busy` refusals since the last `ready`: the backoff's attempt number. */
  private busyRefusals = 0;
  private readonly readyTimeoutMs: number;

  constructor(
    url: string,
    readonly session: Session,
    readonly rooms: number[],
    options: LoadClientOptions = {},
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.socket = io(url, {
      auth: { token: session.access_token },
      transports: ['websocket'],
      forceNew: true,
      autoConnect: false,
      reconnectionDelay: 300,
      reconnectionDelayMax: 2_000,
      ...options.socket,
    });
    this.socket.on('ready', (ready) => this.onReady(ready));
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on('connect_error', (error) => this.onConnectError(error));
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
      timer = setTimeout(
        () => reject(new Error(`user ${this.userId}: no ready within ${this.readyTimeoutMs / 1000} s`)),
        this.readyTimeoutMs,
      );
    });
    this.socket.connect();
    await ready.finally(() => clearTimeout(timer));
    for (const room of this.rooms) {
      const joined = await request(this.socket, 'join_room', room);
      if (!joined.ok) throw new Error(`join_room ${room}: ${joined.error.code}`);
      this.views.set(room, new HeldRoom(room, joined.data.lastSeq));
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
    this.busyRefusals = 0;
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

  /**
   * A lost transport (`socket.active`) is retried by Socket.IO's own reconnection. A refusal by
   * the server's middleware is not: `server_busy` (a replica admitting connections at its bounded
   * rate) comes back after its retryAfterMs plus full jitter, growing with each refusal, as the
   * contract's recipe says; any other (Redis away behind `unauthorized`, say) after a second.
   */
  private onConnectError(error: Error & { data?: Partial<ServerBusyData> }): void {
    this.connectErrors[error.message] = (this.connectErrors[error.message] ?? 0) + 1;
    if (this.socket.active) return;
    const delay =
      error.message === ConnectRefusal.ServerBusy
        ? reconnectDelayMs(this.busyRefusals++, { retryAfterMs: error.data?.retryAfterMs ?? 1_000 })
        : 1_000;
    this.later(delay, () => this.socket.connect());
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

  private async rejoin(view: HeldRoom, generation: number): Promise<boolean> {
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
  async sync(view: HeldRoom, why: 'resume' | 'gap'): Promise<boolean> {
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

  /**
   * A fleet of clients that already exist (opened or not), for harnesses that make their users
   * and rooms another way (a large population, or a share of one in a generator process).
   */
  static of(clients: LoadClient[], rooms: number[]): ChatFleet {
    return new ChatFleet(clients, rooms);
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

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}
