// Engine.IO v4 / Socket.IO v5 framing over a plain WebSocket, for k6 (which has no Socket.IO
// client) and for Node. It imports nothing, so the same file runs under k6's `k6/ws` and
// `k6/websockets` and under Node's `ws`, where the e2e suite checks it against the real cluster.
// Text frames only: the chat protocol never sends binary attachments.

/** Engine.IO packet types, the first character of every frame. */
export const EngineType = Object.freeze({ OPEN: '0', CLOSE: '1', PING: '2', PONG: '3', MESSAGE: '4', UPGRADE: '5', NOOP: '6' });

/** Socket.IO packet types, the character after Engine.IO's `4`. */
export const SocketType = Object.freeze({
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
});

/** Names socket.io-client keeps for itself: a server never emits them and the parser refuses them. */
const RESERVED_EVENTS = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

/**
 * @typedef {{ sid: string, upgrades: string[], pingInterval: number, pingTimeout: number, maxPayload: number }} OpenData
 * @typedef {{ type: 'open', data: OpenData }
 *   | { type: 'close' | 'upgrade' | 'noop' }
 *   | { type: 'ping' | 'pong', data?: string }
 *   | { type: 'message', data: string }} EnginePacket
 * @typedef {{ type: number, nsp: string, id?: number, data?: unknown }} SocketPacket
 */

const engineNames = /** @type {const} */ (['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop']);

/**
 * The WebSocket URL of a Socket.IO server given its HTTP origin; `query` adds parameters
 * (`token` is accepted by this server, but it lands in access logs: prefer CONNECT auth).
 * @param {string} baseUrl `http(s)://host[:port]`
 * @param {Record<string, string>} [query]
 * @param {string} [path]
 * @returns {string}
 */
export function socketUrl(baseUrl, query = {}, path = '/socket.io/') {
  const origin = baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws');
  const params = Object.keys(query).map((key) => `&${encodeURIComponent(key)}=${encodeURIComponent(query[key])}`);
  return `${origin}${path}?EIO=4&transport=websocket${params.join('')}`;
}

/**
 * @param {EnginePacket} packet
 * @returns {string}
 */
export function encodeEnginePacket(packet) {
  const type = String(engineNames.indexOf(packet.type));
  if (packet.type === 'open') return type + JSON.stringify(packet.data);
  return 'data' in packet && packet.data !== undefined ? type + packet.data : type;
}

/**
 * @param {string} text one WebSocket text frame
 * @returns {EnginePacket}
 */
export function decodeEnginePacket(text) {
  const name = typeof text === 'string' && /^[0-6]/.test(text) ? engineNames[Number(text.charAt(0))] : undefined;
  if (!name) throw new Error(`malformed Engine.IO packet: ${preview(text)}`);
  const data = text.slice(1);
  if (name === 'open') return { type: name, data: parseOpen(data) };
  if (name === 'ping' || name === 'pong' || name === 'message') return { type: name, data };
  return { type: name };
}

/**
 * @param {string} json
 * @returns {OpenData}
 */
function parseOpen(json) {
  const data = parseJson(json, 'open packet');
  const valid =
    isObject(data) &&
    typeof data.sid === 'string' &&
    typeof data.pingInterval === 'number' &&
    typeof data.pingTimeout === 'number' &&
    typeof data.maxPayload === 'number';
  if (!valid) throw new Error(`malformed open packet: ${preview(json)}`);
  return /** @type {OpenData} */ (data);
}

/**
 * A Socket.IO packet as the payload of an Engine.IO `message`: type, then `/nsp,` unless the
 * namespace is `/`, then the ack id, then the JSON payload.
 * @param {SocketPacket} packet
 * @returns {string}
 */
export function encodeSocketPacket(packet) {
  if (packet.type === SocketType.BINARY_EVENT || packet.type === SocketType.BINARY_ACK) throw new Error('binary packets are not supported');
  if (!isValidPayload(packet.type, packet.data)) throw new Error(`invalid payload for Socket.IO packet type ${packet.type}`);
  const nsp = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
  const id = packet.id === undefined ? '' : String(packet.id);
  const data = packet.data === undefined ? '' : JSON.stringify(packet.data);
  return `${packet.type}${nsp}${id}${data}`;
}

/**
 * @param {string} text the payload of an Engine.IO `message` (without its leading `4`)
 * @returns {SocketPacket}
 */
export function decodeSocketPacket(text) {
  const type = /^[0-4]/.test(text) ? Number(text.charAt(0)) : NaN;
  if (Number.isNaN(type)) throw new Error(`unsupported Socket.IO packet: ${preview(text)}`);
  let i = 1;
  let nsp = '/';
  if (text.charAt(i) === '/') {
    const comma = text.indexOf(',', i);
    nsp = comma === -1 ? text.slice(i) : text.slice(i, comma);
    i = comma === -1 ? text.length : comma + 1;
  }
  const digits = /^\d*/.exec(text.slice(i))?.[0] ?? '';
  i += digits.length;
  const rest = text.slice(i);
  const data = rest === '' ? undefined : parseJson(rest, 'Socket.IO packet');
  if (!isValidPayload(type, data)) throw new Error(`invalid payload for Socket.IO packet type ${type}: ${preview(text)}`);
  /** @type {SocketPacket} */
  const packet = { type, nsp };
  if (digits !== '') packet.id = Number(digits);
  if (data !== undefined) packet.data = data;
  return packet;
}

/**
 * The same checks as socket.io-parser, so a frame this module accepts is one the server accepts.
 * @param {number} type
 * @param {unknown} data
 */
function isValidPayload(type, data) {
  switch (type) {
    case SocketType.CONNECT:
      return data === undefined || isObject(data);
    case SocketType.DISCONNECT:
      return data === undefined;
    case SocketType.CONNECT_ERROR:
      return typeof data === 'string' || isObject(data);
    case SocketType.EVENT:
      return Array.isArray(data) && isEventName(data[0]);
    case SocketType.ACK:
      return Array.isArray(data);
    default:
      return false;
  }
}

/** @param {unknown} name */
function isEventName(name) {
  return typeof name === 'number' || (typeof name === 'string' && RESERVED_EVENTS.indexOf(name) === -1);
}

/**
 * `40{...}`: joins the namespace, carrying `auth` (this server reads `auth.token`).
 * @param {Record<string, unknown>} [auth]
 * @param {string} [nsp]
 */
export function connectFrame(auth, nsp = '/') {
  return EngineType.MESSAGE + encodeSocketPacket({ type: SocketType.CONNECT, nsp, data: auth });
}

/**
 * `42["event",...args]`, or `42<id>[...]` when the sender wants an ack.
 * @param {string} event
 * @param {unknown[]} args
 * @param {number} [id]
 * @param {string} [nsp]
 */
export function eventFrame(event, args, id, nsp = '/') {
  return EngineType.MESSAGE + encodeSocketPacket({ type: SocketType.EVENT, nsp, id, data: [event, ...args] });
}

/**
 * `43<id>[...args]`: the answer to an event that carried ack id `id`.
 * @param {number} id
 * @param {unknown[]} args
 * @param {string} [nsp]
 */
export function ackFrame(id, args, nsp = '/') {
  return EngineType.MESSAGE + encodeSocketPacket({ type: SocketType.ACK, nsp, id, data: args });
}

/** `41`: leaves the namespace (the polite way to hang up before closing the WebSocket). */
export function disconnectFrame(nsp = '/') {
  return EngineType.MESSAGE + encodeSocketPacket({ type: SocketType.DISCONNECT, nsp });
}

/**
 * A whole frame: the Engine.IO packet and, for a `message`, the Socket.IO packet inside it.
 * @param {string} text
 * @returns {{ engine: EnginePacket, socket?: SocketPacket }}
 */
export function decodeFrame(text) {
  const engine = decodeEnginePacket(text);
  return engine.type === 'message' ? { engine, socket: decodeSocketPacket(engine.data) } : { engine };
}

/**
 * @typedef {{ id: number, event: string, args: unknown[] | null, latencyMs: number, error: null | 'timeout' | 'closed' }} AckResult
 *   `args` is what the server acked with (this server: `[{ ok, data | error }]`); null on timeout or close.
 * @typedef {(result: AckResult) => void} AckCallback
 * @typedef {{ event: string, sentAt: number, callback: AckCallback }} PendingAck
 * @typedef {'opening' | 'connecting' | 'connected' | 'refused' | 'disconnected'} ClientState
 * @typedef {{
 *   send: (text: string) => void,
 *   auth?: Record<string, unknown>,
 *   nsp?: string,
 *   now?: () => number,
 * }} ClientOptions
 */

/**
 * A Socket.IO client without a transport: feed it every text frame with `handle()` and it answers
 * through `send`. It joins the namespace once the server's open packet arrives, answers pings,
 * holds emits until the namespace is joined, times acks and dispatches events to `on()` listeners.
 * Besides the server's events, listeners can watch `open` (the handshake), `connect`,
 * `connect_error` (the CONNECT_ERROR payload: `{ message, data }`), `disconnect` (a reason),
 * `ping` and `error` (a frame that could not be decoded; the connection is left to the caller).
 * It starts no timers, since k6 and Node schedule differently: call `expireAcks()` now and then.
 * Events the server emits with an ack id of its own are dispatched but not acked (this server never asks).
 */
export class SocketIoClient {
  /** @param {ClientOptions} options */
  constructor(options) {
    this.sendFrame = options.send;
    this.auth = options.auth;
    this.nsp = options.nsp ?? '/';
    this.now = options.now ?? (() => Date.now());
    /** @type {ClientState} */
    this.state = 'opening';
    /** @type {OpenData | null} */
    this.handshake = null;
    /** @type {string | null} the Socket.IO session id from the CONNECT ack */
    this.sid = null;
    this.lastReceivedAt = this.now();
    this.pingsAnswered = 0;
    this.nextAckId = 0;
    /** @type {Map<number, PendingAck>} */
    this.pending = new Map();
    /** @type {string[]} emits made before the namespace was joined */
    this.queue = [];
    /** @type {Map<string, Array<(...args: any[]) => void>>} */
    this.listeners = new Map();
  }

  /**
   * @param {string} event a server event name, or one of the client's own (see the class comment)
   * @param {(...args: any[]) => void} listener
   * @returns {this}
   */
  on(event, listener) {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
    return this;
  }

  /**
   * Feeds one text frame received on the WebSocket.
   * @param {string} text
   */
  handle(text) {
    this.lastReceivedAt = this.now();
    /** @type {ReturnType<typeof decodeFrame>} */
    let frame;
    try {
      frame = decodeFrame(text);
    } catch (error) {
      this.dispatch('error', error);
      return;
    }
    if (frame.socket) this.onSocketPacket(frame.socket);
    else this.onEnginePacket(frame.engine);
  }

  /** @param {EnginePacket} packet */
  onEnginePacket(packet) {
    switch (packet.type) {
      case 'open':
        this.handshake = packet.data;
        this.state = 'connecting';
        this.dispatch('open', packet.data);
        this.sendFrame(connectFrame(this.auth, this.nsp));
        return;
      case 'ping':
        // Unanswered pings make the server drop the connection after pingInterval + pingTimeout.
        this.sendFrame(encodeEnginePacket({ type: 'pong', data: packet.data }));
        this.pingsAnswered++;
        this.dispatch('ping');
        return;
      case 'close':
        this.lost('transport close');
        return;
      default:
    }
  }

  /** @param {SocketPacket} packet */
  onSocketPacket(packet) {
    if (packet.nsp !== this.nsp) return;
    switch (packet.type) {
      case SocketType.CONNECT:
        this.onConnect(/** @type {{ sid?: unknown } | undefined} */ (packet.data));
        return;
      case SocketType.CONNECT_ERROR:
        this.state = 'refused';
        this.failPending();
        this.dispatch('connect_error', packet.data);
        return;
      case SocketType.DISCONNECT:
        this.lost('io server disconnect');
        return;
      case SocketType.EVENT: {
        const [event, ...args] = /** @type {[string, ...unknown[]]} */ (packet.data);
        this.dispatch(String(event), ...args);
        return;
      }
      case SocketType.ACK:
        if (packet.id !== undefined) this.settle(packet.id, /** @type {unknown[]} */ (packet.data), null);
        return;
      default:
    }
  }

  /** @param {{ sid?: unknown } | undefined} data */
  onConnect(data) {
    this.state = 'connected';
    this.sid = data && typeof data.sid === 'string' ? data.sid : null;
    this.dispatch('connect', data);
    const queued = this.queue;
    this.queue = [];
    for (const frame of queued) this.sendFrame(frame);
  }

  /**
   * Emits without asking for an ack.
   * @param {string} event
   * @param {...unknown} args
   */
  emit(event, ...args) {
    this.write(eventFrame(event, args, undefined, this.nsp));
  }

  /**
   * Emits one payload with an ack id; `callback` gets the ack and its latency from this call. On a
   * refused or closed connection it fails at once with `closed`.
   * @param {string} event
   * @param {unknown} payload
   * @param {AckCallback} callback
   * @returns {number} the ack id
   */
  request(event, payload, callback) {
    const id = this.nextAckId++;
    this.pending.set(id, { event, sentAt: this.now(), callback });
    if (this.state === 'refused' || this.state === 'disconnected') this.settle(id, null, 'closed');
    else this.write(eventFrame(event, [payload], id, this.nsp));
    return id;
  }

  /**
   * Fails the acks older than `timeoutMs` with `error: 'timeout'`; a late ack is then ignored.
   * @param {number} timeoutMs
   * @returns {number} how many expired
   */
  expireAcks(timeoutMs) {
    const now = this.now();
    let expired = 0;
    for (const [id, pending] of Array.from(this.pending)) {
      if (now - pending.sentAt < timeoutMs) continue;
      this.settle(id, null, 'timeout');
      expired++;
    }
    return expired;
  }

  /** How many acks are still awaited. */
  get pendingAcks() {
    return this.pending.size;
  }

  /** True once the server has been silent for longer than its heartbeat allows: the link is dead. */
  heartbeatOverdue() {
    if (!this.handshake) return false;
    return this.now() - this.lastReceivedAt > this.handshake.pingInterval + this.handshake.pingTimeout;
  }

  /** Leaves the namespace; close the WebSocket afterwards. */
  close() {
    if (this.state === 'connected') this.sendFrame(disconnectFrame(this.nsp));
    this.lost('io client disconnect');
  }

  /** Tell the client that the WebSocket closed (k6 `close`, ws `close`): pending acks fail with `closed`. */
  transportClosed() {
    this.lost('transport close');
  }

  /** @param {string} reason */
  lost(reason) {
    const wasConnected = this.state === 'connected';
    if (this.state !== 'refused') this.state = 'disconnected';
    this.failPending();
    if (wasConnected) this.dispatch('disconnect', reason);
  }

  /** Nothing queued or awaited will ever be answered now. */
  failPending() {
    this.queue = [];
    for (const id of Array.from(this.pending.keys())) this.settle(id, null, 'closed');
  }

  /** @param {string} frame */
  write(frame) {
    if (this.state === 'connected') this.sendFrame(frame);
    else if (this.state === 'opening' || this.state === 'connecting') this.queue.push(frame);
  }

  /**
   * @param {number} id
   * @param {unknown[] | null} args
   * @param {AckResult['error']} error
   */
  settle(id, args, error) {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.callback({ id, event: pending.event, args, latencyMs: this.now() - pending.sentAt, error });
  }

  /**
   * @param {string} event
   * @param {...unknown} args
   */
  dispatch(event, ...args) {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

/**
 * @param {string} json
 * @param {string} what
 * @returns {unknown}
 */
function parseJson(json, what) {
  try {
    return JSON.parse(json);
  } catch {
    throw new Error(`malformed ${what}: ${preview(json)}`);
  }
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {unknown} text */
function preview(text) {
  const s = String(text);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
