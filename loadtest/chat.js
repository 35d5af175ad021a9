// Socket.IO chat under load: `k6 run loadtest/chat.js -e BASE_URL=http://localhost:8080`.
// Each VU holds a WebSocket session as one user, joins its room and sends a message every
// SEND_INTERVAL_MS; every socket in the room times each delivery. The framing is done by
// lib/socketio.js (k6 has no Socket.IO client). soak.js and spike.js reuse chatSession().
import { WebSocket } from 'k6/websockets';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import { SocketIoClient, socketUrl } from './lib/socketio.js';
import { SUMMARY_TREND_STATS, summaryOutputs } from './lib/summary.js';
import {
  BASE_URL,
  TESTID,
  createRoom,
  envNumber,
  joinRooms,
  registerAccounts,
  requireReady,
  runProperties,
  teardownRun,
  testId,
} from './lib/http.js';

/** Send → `43` ack: the gateway has rate-checked, numbered and queued the message. */
export const ackLatency = new Trend('chat_ack_latency', true);
/** Send → `message` event on each socket of the room (the sender's included), across replicas. */
export const deliveryLatency = new Trend('chat_delivery_latency', true);
/** WebSocket open request → `ready` (Engine.IO handshake, CONNECT, token check). */
export const connectLatency = new Trend('chat_connect_latency', true);
/** Share of sessions that reached `ready`: upgrade, Engine.IO open, CONNECT and token check all worked. */
export const connected = new Rate('chat_connected');
/** Share of `message` acks that are `{ ok: true }`. */
export const acksOk = new Rate('chat_acks_ok');
/** Share of our sends whose own `message` echo came back before the session ended. */
export const delivered = new Rate('chat_delivered');
/** Everything that went wrong, tagged with `kind` (and `code` for error acks). */
export const chatErrors = new Counter('chat_errors');
export const messagesSent = new Counter('chat_messages_sent');
export const messagesReceived = new Counter('chat_messages_received');

const VUS = envNumber('VUS', 20);
const ROOMS = envNumber('ROOMS', 4);
const SESSION_SECONDS = envNumber('SESSION_SECONDS', 60);
// 0.5 msg/s per user: far below the default 10/s per user, so RATE_LIMITED means a real problem.
const SEND_INTERVAL_MS = envNumber('SEND_INTERVAL_MS', 2000);
export const ACK_TIMEOUT_MS = envNumber('ACK_TIMEOUT_MS', 10_000);

/**
 * How long k6 lets a VU finish once its scenario stops: a session of `seconds`, its last ack's
 * timeout, and a margin. Cutting a session short would count as errors.
 * @param {number} seconds
 */
export function sessionGrace(seconds) {
  return `${seconds + ACK_TIMEOUT_MS / 1000 + 5}s`;
}

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '180s',
  teardownTimeout: '60s',
  tags: { testid: TESTID },
  summaryTrendStats: SUMMARY_TREND_STATS,
  scenarios: {
    chat: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: __ENV.RAMP || '30s', target: VUS },
        { duration: __ENV.DURATION || '2m', target: VUS },
        { duration: '15s', target: 0 },
      ],
      // A session ends on its own after SESSION_SECONDS; ramping down must not cut it short.
      gracefulRampDown: sessionGrace(SESSION_SECONDS),
      gracefulStop: sessionGrace(SESSION_SECONDS),
    },
  },
  thresholds: {
    // These mean the service is not answering at all: stop the run (once the ramp has sent some
    // traffic) instead of measuring latencies of nothing.
    checks: [{ threshold: 'rate>0.99', abortOnFail: true, delayAbortEval: '1m' }],
    chat_connected: [{ threshold: 'rate>0.99', abortOnFail: true, delayAbortEval: '1m' }],
    chat_acks_ok: [{ threshold: 'rate>0.99', abortOnFail: true, delayAbortEval: '1m' }],
    chat_ack_latency: ['p(95)<300', 'p(99)<1000'],
    chat_delivery_latency: ['p(95)<500', 'p(99)<1500'],
    chat_connect_latency: ['p(95)<1000'],
    chat_delivered: ['rate>0.99'],
    chat_errors: ['count<10'],
  },
};

/**
 * @typedef {import('./lib/http.js').Account & { room: number }} Member
 * @typedef {{ testid: string, members: Member[], rooms: import('./lib/http.js').OwnedRoom[] }} ChatData
 * @typedef {{ holdMs: number, sendIntervalMs: number, maxMessages?: number }} SessionOptions
 */

/**
 * Registers `users` accounts and spreads them over `rooms` public rooms (member i in room i % rooms).
 * @param {number} users
 * @param {number} rooms
 * @param {string} prefix
 * @returns {ChatData}
 */
export function chatSetup(users, rooms, prefix) {
  requireReady();
  const testid = testId();
  const accounts = registerAccounts(Math.max(users, rooms), prefix, testid);
  const owned = accounts.slice(0, rooms).map((owner, i) => ({ id: createRoom(owner, `k6 ${testid} ${prefix} room ${i + 1}`), owner }));
  const members = accounts.map((account, i) => ({ ...account, room: owned[i % rooms].id }));
  joinRooms(members.slice(rooms).map((member) => ({ account: member, room: member.room })));
  return { testid, members, rooms: owned };
}

export function setup() {
  return chatSetup(VUS, ROOMS, 'chat');
}

/** @param {ChatData} data */
export function teardown(data) {
  teardownRun('chat', data.testid, data.rooms);
}

/** @param {import('./lib/summary.js').SummaryData} data */
export function handleSummary(data) {
  return summaryOutputs(data, { script: 'chat', dir: __ENV.SUMMARY_DIR, properties: runProperties() });
}

/** @param {ChatData} data */
export default function (data) {
  chatSession(memberFor(data), { holdMs: SESSION_SECONDS * 1000, sendIntervalMs: SEND_INTERVAL_MS });
}

/**
 * The member this VU plays; VUs beyond the pool share accounts (and their send limit).
 * @param {ChatData} data
 */
export function memberFor(data) {
  return data.members[(__VU - 1) % data.members.length];
}

/**
 * `k6.<vu>.<iteration>.<n>.<sent at, ms>`: unique per send, and it carries the send time to every
 * receiver (1–64 printable ASCII characters, as the server requires).
 * @param {number} n
 * @param {number} sentAt
 */
export function stampedClientMsgId(n, sentAt) {
  return `k6.${__VU}.${__ITER}.${n}.${sentAt}`;
}

/**
 * The send time a k6 sender put in `clientMsgId`, or null for anyone else's message. Sender and
 * receiver share a clock only within one k6 process: see the README for distributed runs.
 * @param {unknown} clientMsgId
 */
export function sentAtOf(clientMsgId) {
  if (typeof clientMsgId !== 'string') return null;
  const parts = clientMsgId.split('.');
  return parts.length === 5 && parts[0] === 'k6' ? Number(parts[4]) : null;
}

/**
 * One Socket.IO session as `member`: connect, `ready`, `join_room`, a send every `sendIntervalMs`
 * (at most `maxMessages`); after `holdMs`, wait for outstanding acks and echoes, then hang up.
 * It returns at once: the session runs on the VU's event loop, and the iteration ends when the
 * socket has closed and its timers are cleared.
 * @param {Member} member
 * @param {SessionOptions} session
 */
export function chatSession(member, session) {
  const openedAt = Date.now();
  const socket = new WebSocket(socketUrl(BASE_URL), null, { tags: { name: 'socket.io' } });
  const state = { opened: false, closing: false, closed: false, ready: false, counted: false, draining: false, sent: 0 };
  /** @type {Set<string>} */
  const awaitingEcho = new Set();
  /** @type {number[]} */
  const intervals = [];
  /** @type {number[]} */
  const timeouts = [];
  const client = new SocketIoClient({ send: (text) => socket.send(text), auth: { token: member.token } });
  const stopTimers = () => {
    // Timers left running would keep the iteration alive after the socket closed.
    intervals.splice(0).forEach((id) => clearInterval(id));
    timeouts.splice(0).forEach((id) => clearTimeout(id));
  };
  /** @param {boolean} ok */
  const countConnected = (ok) => {
    if (state.counted) return;
    state.counted = true;
    connected.add(ok);
  };
  const hangUp = () => {
    if (state.closing) return;
    state.closing = true;
    stopTimers();
    if (!state.ready) countConnected(false);
    // Whatever has not come back by now was lost (or is hopelessly late).
    awaitingEcho.forEach(() => delivered.add(false));
    awaitingEcho.clear();
    client.close();
    socket.close();
  };
  const onClosed = () => {
    if (state.closed) return;
    state.closed = true;
    if (!state.closing) chatErrors.add(1, { kind: 'unexpected_close' });
    if (!state.ready) countConnected(false);
    state.closing = true;
    stopTimers();
    awaitingEcho.forEach(() => delivered.add(false));
    awaitingEcho.clear();
    client.transportClosed();
  };
  const sendOne = () => {
    if (state.draining || (session.maxMessages !== undefined && state.sent >= session.maxMessages)) return;
    const sentAt = Date.now();
    const clientMsgId = stampedClientMsgId(state.sent++, sentAt);
    awaitingEcho.add(clientMsgId);
    messagesSent.add(1);
    client.request('message', { room: member.room, msg: `load test message sent at ${sentAt}`, clientMsgId }, onMessageAck);
  };
  // Present from the start, so that `count<N` thresholds are evaluated even on a clean run.
  chatErrors.add(0);

  socket.addEventListener('open', () => {
    state.opened = true;
    check(socket, { 'websocket opened': () => true });
  });
  socket.onmessage = (event) => {
    if (event && typeof event.data === 'string') client.handle(event.data);
    else chatErrors.add(1, { kind: 'protocol' });
  };
  socket.addEventListener('error', () => {
    chatErrors.add(1, { kind: 'ws_error' });
    if (!state.opened) check(socket, { 'websocket opened': () => false });
  });
  socket.addEventListener('close', onClosed);
  client.on('error', () => chatErrors.add(1, { kind: 'protocol' }));
  client.on('exception', (/** @type {{ code?: string }} */ e) => chatErrors.add(1, { kind: 'exception', code: String(e && e.code) }));
  client.on('connect_error', () => {
    chatErrors.add(1, { kind: 'connect_error' });
    check(null, { 'socket accepted': () => false });
    hangUp();
  });
  client.on('ready', () => {
    state.ready = true;
    countConnected(true);
    connectLatency.add(Date.now() - openedAt);
    client.request('join_room', member.room, (ack) => {
      if (!check(ack, { 'joined room': (a) => isOk(a.args) })) {
        chatErrors.add(1, { kind: 'join', code: errorCode(ack) });
        hangUp();
        return;
      }
      sendOne();
      if (session.sendIntervalMs > 0 && !state.closing) intervals.push(setInterval(sendOne, session.sendIntervalMs));
    });
  });
  client.on('message', (/** @type {ChatMessage} */ message) => onDelivery(message, member, awaitingEcho));

  intervals.push(
    setInterval(() => {
      // A socket that failed before opening may close without a `close` event.
      if (socket.readyState === WebSocket.CLOSED) {
        onClosed();
        return;
      }
      const expired = client.expireAcks(ACK_TIMEOUT_MS);
      if (expired > 0) chatErrors.add(expired, { kind: 'ack_timeout' });
      if (client.heartbeatOverdue()) {
        chatErrors.add(1, { kind: 'heartbeat' });
        hangUp();
      }
      if (state.draining && client.pendingAcks === 0 && awaitingEcho.size === 0) hangUp();
    }, 250),
  );
  timeouts.push(
    setTimeout(() => {
      state.draining = true;
      if (state.ready) return;
      chatErrors.add(1, { kind: 'no_ready' });
      hangUp();
    }, session.holdMs),
    setTimeout(hangUp, session.holdMs + ACK_TIMEOUT_MS),
  );
}

/** @typedef {import('../libs/contracts/src').ChatMessage} ChatMessage */

/**
 * Times a `message` event sent by any k6 VU, and settles our own sends' echoes.
 * @param {ChatMessage} message
 * @param {Member} member
 * @param {Set<string>} awaitingEcho
 */
function onDelivery(message, member, awaitingEcho) {
  const sentAt = sentAtOf(message && message.clientMsgId);
  if (sentAt === null) return;
  const own = !!message.sender && message.sender.id === member.id;
  messagesReceived.add(1);
  deliveryLatency.add(Date.now() - sentAt, { own: own ? 'yes' : 'no' });
  if (own && message.clientMsgId && awaitingEcho.delete(message.clientMsgId)) delivered.add(true);
}

/** @param {import('./lib/socketio.js').AckResult} ack */
function onMessageAck(ack) {
  const ok = isOk(ack.args);
  acksOk.add(ok);
  check(ack, { 'message acked ok': () => ok });
  if (ok) ackLatency.add(ack.latencyMs);
  else if (ack.error === null) chatErrors.add(1, { kind: 'ack_error', code: errorCode(ack) });
  // Timeouts and closed connections are counted where they are detected.
}

/** @param {unknown[] | null} args the ack's arguments: this server acks with one `{ ok, data | error }` */
function isOk(args) {
  const first = /** @type {{ ok?: unknown } | undefined} */ (args && args[0]);
  return !!first && first.ok === true;
}

/** @param {import('./lib/socketio.js').AckResult} ack */
function errorCode(ack) {
  if (ack.error) return ack.error;
  const first = /** @type {{ error?: { code?: string } } | undefined} */ (ack.args && ack.args[0]);
  return String((first && first.error && first.error.code) || 'unknown');
}
