// The REST surface as a user walks it: `k6 run loadtest/http-journey.js -e BASE_URL=http://localhost:8080`.
// `journey`: register (or come as a guest), look around, create a room, join the shared one, post,
// page back through its history, mark it read, log out and check the token is dead.
// `logins`: password logins at a fixed rate, kept under the login limit (10/min per IP and account).
import { check, group, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { SUMMARY_TREND_STATS, summaryOutputs } from './lib/summary.js';
import {
  PASSWORD,
  TESTID,
  accountEmail,
  api,
  batchRequests,
  BASE_URL,
  createRoom,
  envNumber,
  json,
  joinRooms,
  params,
  registerAccounts,
  requireReady,
  runProperties,
  sessionOf,
  teardownRun,
  testId,
} from './lib/http.js';

const VUS = envNumber('VUS', 10);
const GUEST_RATIO = envNumber('GUEST_RATIO', 0.3);
const POSTS = envNumber('POSTS', 3);
const HISTORY_PAGES = envNumber('HISTORY_PAGES', 3);
// Logins share one limit per client IP: a k6 host must stay under RATE_LIMIT_LOGIN_PER_MINUTE.
const LOGINS_PER_MINUTE = envNumber('LOGINS_PER_MINUTE', 6);
const LOGIN_ACCOUNTS = envNumber('LOGIN_ACCOUNTS', 3);
// 15 per seeding account stays inside the send burst (20).
const SEED_MESSAGES = envNumber('SEED_MESSAGES', 150);
const SEED_PER_ACCOUNT = 15;

const ramp = __ENV.RAMP || '30s';
const duration = __ENV.DURATION || '2m';

/** One whole journey, register to logout. */
const journeyDuration = new Trend('journey_duration', true);
/** 429s: with the defaults none should happen; if they do, the limits (not the service) were measured. */
const rateLimited = new Counter('rate_limited');

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '180s',
  teardownTimeout: '60s',
  tags: { testid: TESTID },
  summaryTrendStats: SUMMARY_TREND_STATS,
  scenarios: {
    journey: {
      executor: 'ramping-vus',
      exec: 'journey',
      startVUs: 0,
      stages: [
        { duration: ramp, target: VUS },
        { duration, target: VUS },
        { duration: '15s', target: 0 },
      ],
      gracefulRampDown: '30s',
    },
    logins: {
      executor: 'constant-arrival-rate',
      exec: 'logins',
      rate: LOGINS_PER_MINUTE,
      timeUnit: '1m',
      duration,
      startTime: ramp,
      preAllocatedVUs: 1,
      maxVUs: 3,
    },
  },
  thresholds: {
    // A service that fails this much is down, not slow: stop the run once the ramp has sent some traffic.
    checks: [{ threshold: 'rate>0.99', abortOnFail: true, delayAbortEval: '1m' }],
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '1m' }],
    http_req_duration: ['p(95)<500', 'p(99)<1500'],
    'http_req_duration{name:history}': ['p(95)<300'],
    'http_req_duration{name:post message}': ['p(95)<300'],
    'http_req_duration{name:rooms mine}': ['p(95)<300'],
    // bcrypt makes these the slowest routes by design.
    'http_req_duration{name:register}': ['p(95)<1000'],
    'http_req_duration{name:login}': ['p(95)<1000'],
    journey_duration: ['p(95)<5000'],
    rate_limited: ['count<1'],
  },
};

/**
 * @typedef {import('./lib/http.js').Account} Account
 * @typedef {{ testid: string, room: number, owner: Account, logins: Account[] }} JourneyData
 */

/** @returns {JourneyData} */
export function setup() {
  requireReady();
  const testid = testId();
  const seeders = Math.max(1, Math.ceil(SEED_MESSAGES / SEED_PER_ACCOUNT));
  const [owner, ...others] = registerAccounts(seeders + LOGIN_ACCOUNTS, 'http', testid);
  const room = createRoom(owner, `k6 ${testid} history room`);
  const seedAccounts = [owner, ...others.slice(0, seeders - 1)];
  joinRooms(seedAccounts.slice(1).map((account) => ({ account, room })));
  seedHistory(room, seedAccounts);
  return { testid, room, owner, logins: others.slice(seeders - 1) };
}

/**
 * Deletes the shared room; the rooms and accounts each journey created are left to cleanup.mjs.
 * @param {JourneyData} data
 */
export function teardown(data) {
  teardownRun('http-journey', data.testid, [{ id: data.room, owner: data.owner }]);
}

/** @param {import('./lib/summary.js').SummaryData} data */
export function handleSummary(data) {
  return summaryOutputs(data, { script: 'http-journey', dir: __ENV.SUMMARY_DIR, properties: runProperties() });
}

/**
 * Fills the shared room with SEED_MESSAGES, so that history reads page through real data.
 * @param {number} room
 * @param {Account[]} accounts
 */
function seedHistory(room, accounts) {
  const requests = [];
  for (let i = 0; i < SEED_MESSAGES; i++) {
    const account = accounts[i % accounts.length];
    requests.push({
      method: 'POST',
      url: `${BASE_URL}/rooms/${room}/messages`,
      body: JSON.stringify({ content: `seed message ${i + 1}`, clientMsgId: `k6-seed-${account.id}-${i}` }),
      params: params({ token: account.token, name: 'post message' }),
    });
  }
  for (const res of batchRequests(requests)) check(res, { 'seed message accepted': (r) => r.status === 202 });
}

/** @param {JourneyData} data */
export function journey(data) {
  const started = Date.now();
  const session = group('auth', () => arrive(data.testid));
  if (!session) return;
  group('rooms', () => browseRooms(session, data));
  group('messages', () => chat(session, data.room));
  group('logout', () => leave(session));
  journeyDuration.add(Date.now() - started);
  sleep(1 + Math.random() * 2);
}

/**
 * Registers, or comes in as a guest (GUEST_RATIO of the time): both limited per client IP on the
 * deployment (README, "Rate limits"). Guests have no email: their nickname carries the testid.
 * @param {string} testid
 */
function arrive(testid) {
  const guest = Math.random() < GUEST_RATIO;
  const name = `${guest ? 'g' : 'u'}${__VU}x${__ITER}`;
  const res = guest
    ? api('POST', '/auth/guest', { nickname: `k6-${testid}-${name}`.slice(0, 32) }, { name: 'guest' })
    : api('POST', '/auth/register', { email: accountEmail(testid, name), password: PASSWORD, nickname: `k6${name}` }, { name: 'register' });
  if (!check(res, { 'signed up (201)': (r) => r.status === 201 })) return null;
  const session = sessionOf(res, 201, guest ? 'guest' : 'register');
  check(api('GET', '/auth/me', undefined, { token: session.token, name: 'me' }), { 'me 200': (r) => r.status === 200 });
  return session;
}

/**
 * @param {Account} session
 * @param {JourneyData} data
 */
function browseRooms(session, data) {
  const token = session.token;
  const shared = data.room;
  check(api('GET', '/rooms?limit=20', undefined, { token, name: 'directory' }), { 'directory 200': (r) => r.status === 200 });
  check(api('POST', '/rooms', { name: `k6 ${data.testid} room of ${session.nickname}` }, { token, name: 'create room' }), {
    'room created (201)': (r) => r.status === 201,
  });
  check(api('POST', `/rooms/${shared}/join`, undefined, { token, name: 'join room' }), { 'joined (201)': (r) => r.status === 201 });
  check(api('GET', `/rooms/${shared}`, undefined, { token, name: 'room' }), { 'room 200': (r) => r.status === 200 });
}

/**
 * Posts a few messages, then reads the newest page and pages back through older ones.
 * @param {Account} session
 * @param {number} room
 */
function chat(session, room) {
  const token = session.token;
  for (let i = 0; i < POSTS; i++) {
    const res = api(
      'POST',
      `/rooms/${room}/messages`,
      { content: `hello ${i + 1}`, clientMsgId: `k6-${session.id}-${i}` },
      {
        token,
        name: 'post message',
      },
    );
    countRateLimited(res);
    check(res, { 'message accepted (202)': (r) => r.status === 202 });
  }
  let newest = 0;
  let cursor = null;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const query = cursor === null ? 'limit=50' : `limit=50&before=${cursor}`;
    const res = api('GET', `/rooms/${room}/messages?${query}`, undefined, { token, name: 'history' });
    const body = json(res);
    if (!check(res, { 'history 200': (r) => r.status === 200 && !!body && Array.isArray(body.messages) })) return;
    if (page === 0 && body.messages.length > 0) newest = Math.max(...body.messages.map((/** @type {{ seq: number }} */ m) => m.seq));
    cursor = body.nextCursor;
    if (cursor === null) break;
  }
  if (newest > 0)
    check(api('POST', `/rooms/${room}/read`, { seq: newest }, { token, name: 'read' }), { 'read 200': (r) => r.status === 200 });
  check(api('GET', '/rooms/mine', undefined, { token, name: 'rooms mine' }), { 'rooms mine 200': (r) => r.status === 200 });
}

/**
 * Logs out, then proves the token is revoked (a 401 is the expected answer there).
 * @param {Account} session
 */
function leave(session) {
  check(api('POST', '/auth/logout', undefined, { token: session.token, name: 'logout' }), { 'logged out (204)': (r) => r.status === 204 });
  check(api('GET', '/auth/me', undefined, { token: session.token, name: 'me after logout', expected: [401] }), {
    'token revoked (401)': (r) => r.status === 401,
  });
}

/** @param {JourneyData} data */
export function logins(data) {
  const account = data.logins[Math.floor(Math.random() * data.logins.length)];
  const res = api('POST', '/auth/login', { email: account.email, password: PASSWORD }, { name: 'login' });
  countRateLimited(res);
  if (!check(res, { 'logged in (200)': (r) => r.status === 200 })) return;
  const { token } = sessionOf(res, 200, 'login');
  check(api('GET', '/auth/me', undefined, { token, name: 'me' }), { 'me 200': (r) => r.status === 200 });
  check(api('POST', '/auth/logout', undefined, { token, name: 'logout' }), { 'logged out (204)': (r) => r.status === 204 });
}

/** @param {import('k6/http').Response} res */
function countRateLimited(res) {
  rateLimited.add(res.status === 429 ? 1 : 0);
}
