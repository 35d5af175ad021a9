// REST helpers shared by the k6 scripts: the target origin, JSON requests, and the setup() work of
// registering users and rooms (registration and logins are both limited per client IP on the deployment: see README.md, "Rate limits").
import http from 'k6/http';
import { check, fail } from 'k6';
import encoding from 'k6/encoding';
import exec from 'k6/execution';

/** The public origin (nginx), `-e BASE_URL=https://chat.example.com`. */
export const BASE_URL = (__ENV.BASE_URL || 'http://localhost:8080').replace(/\/+$/, '');

/** Passwords of the accounts the scripts register (8–128 chars). */
export const PASSWORD = 'k6-load-test-password';

/**
 * @typedef {{ token: string, id: number, email: string, nickname: string }} Account
 * @typedef {{ name?: string, token?: string, expected?: number[] }} RequestOptions
 *   `name` tags the request (one time series per route instead of per URL); `expected` lists the
 *   statuses that count as success in `http_req_failed` (default: 200–399).
 */

/**
 * A short id: the time in base 36 and two random characters, so runs started in the same
 * millisecond still differ.
 */
export function runId() {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
    .toString(36)
    .padStart(2, '0')}`;
}

/**
 * What marks everything a run creates: `k6-<testid>-…@loadtest.example` accounts, `k6 <testid> …`
 * rooms, guests named `k6-<testid>-…`, and the `testid` tag on every metric. Letters and digits
 * only, so that no id is the prefix of another's accounts (cleanup.mjs matches on it).
 */
export const TESTID_PATTERN = /^[a-z0-9]{1,16}$/;

/**
 * `-e TESTID=…`, or a new one. Every VU evaluates this module on its own, so a generated id differs
 * from VU to VU: it is only the default of `options.tags.testid`, and the run's id is read back
 * from the consolidated options with `testId()`.
 */
export const TESTID = (() => {
  const given = (__ENV.TESTID || '').toLowerCase();
  if (given !== '' && !TESTID_PATTERN.test(given)) throw new Error(`TESTID must be 1-16 letters or digits, not "${__ENV.TESTID}"`);
  return given || runId();
})();

/** The run's test id, the same in setup(), every VU and teardown(): the consolidated `tags.testid`. */
export function testId() {
  const tags = exec.test.options.tags || {};
  const id = String(tags.testid || TESTID).toLowerCase();
  if (!TESTID_PATTERN.test(id)) fail(`the testid tag must be 1-16 letters or digits, not "${id}"`);
  return id;
}

/**
 * How to remove the accounts of run `testid` (the API deletes rooms but not accounts); run it
 * with DATABASE_URL set to the deployment's database.
 * @param {string} testid
 */
export function cleanupCommand(testid) {
  return `node loadtest/cleanup.mjs --testid ${testid}`;
}

/**
 * @param {RequestOptions} options
 * @returns {import('k6/http').RefinedParams<'text'>}
 */
export function params(options = {}) {
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  /** @type {import('k6/http').RefinedParams<'text'>} */
  const result = { headers, tags: { name: options.name || 'other' } };
  if (options.expected) result.responseCallback = http.expectedStatuses(...options.expected);
  return result;
}

/**
 * A JSON request against BASE_URL.
 * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {RequestOptions} [options]
 */
export function api(method, path, body, options = {}) {
  return http.request(method, `${BASE_URL}${path}`, body === undefined ? null : JSON.stringify(body), params(options));
}

/**
 * The parsed JSON body, or null when there is none or it is not JSON.
 * @param {import('k6/http').Response} res
 * @returns {any}
 */
export function json(res) {
  try {
    return typeof res.body === 'string' && res.body !== '' ? JSON.parse(res.body) : null;
  } catch {
    return null;
  }
}

/**
 * The address of a load-test account: `k6-<testid>-<name>@loadtest.example`.
 * @param {string} testid
 * @param {string} name unique within the run
 */
export function accountEmail(testid, name) {
  return `k6-${testid}-${name}@loadtest.example`;
}

/**
 * Registers `count` accounts, in parallel batches so that setup stays short even with bcrypt.
 * @param {number} count
 * @param {string} prefix distinguishes the accounts of one script (or one renewal) from another's
 * @param {string} testid
 * @returns {Account[]}
 */
export function registerAccounts(count, prefix, testid) {
  /** @type {Account[]} */
  const accounts = [];
  for (let start = 0; start < count; start += 20) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 20); i++) {
      const body = { email: accountEmail(testid, `${prefix}-${i}`), password: PASSWORD, nickname: `k6${prefix}${i}`.slice(0, 32) };
      batch.push({ method: 'POST', url: `${BASE_URL}/auth/register`, body: JSON.stringify(body), params: params({ name: 'register' }) });
    }
    for (const res of batchRequests(batch)) accounts.push(sessionOf(res, 201, 'register'));
  }
  return accounts;
}

/**
 * http.batch with the object form, typed as the plain array it returns.
 * @param {import('k6/http').ObjectBatchRequest[]} requests
 * @returns {import('k6/http').Response[]}
 */
export function batchRequests(requests) {
  return /** @type {import('k6/http').Response[]} */ (/** @type {unknown} */ (http.batch(requests)));
}

/**
 * @param {import('k6/http').Response} res
 * @param {number} status
 * @param {string} what
 * @returns {Account}
 */
export function sessionOf(res, status, what) {
  const body = json(res);
  if (res.status === 429 && (what === 'register' || what === 'guest')) {
    fail(
      `${what}: 429: the deployment limits sign-ups per client IP; raise RATE_LIMIT_REGISTER_PER_MINUTE and RATE_LIMIT_GUEST_PER_MINUTE on it (loadtest/README.md, "Rate limits")`,
    );
  }
  if (res.status !== status || !body || typeof body.access_token !== 'string') fail(`${what}: ${res.status} ${res.body}`);
  return { token: body.access_token, id: body.user.id, email: body.user.email, nickname: body.user.nickname };
}

/**
 * Creates a public room owned by `owner`.
 * @param {Account} owner
 * @param {string} name
 * @returns {number}
 */
export function createRoom(owner, name) {
  const res = api('POST', '/rooms', { name }, { token: owner.token, name: 'create room' });
  const room = json(res);
  if (res.status !== 201 || !room) fail(`create room: ${res.status} ${res.body}`);
  return room.id;
}

/**
 * @typedef {{ id: number, owner: Account }} OwnedRoom a room setup() created, with who may delete it
 */

/**
 * Deletes the rooms setup() created (DELETE /rooms/:id as their owner), for teardown(). A token
 * that has expired during a long run is renewed by logging in again. Rooms already gone count as
 * deleted.
 * @param {OwnedRoom[]} rooms
 * @returns {number} how many are gone
 */
export function deleteRooms(rooms) {
  let deleted = 0;
  for (const room of rooms) {
    let res = api('DELETE', `/rooms/${room.id}`, undefined, { token: room.owner.token, name: 'delete room', expected: [204, 401, 404] });
    if (res.status === 401) {
      const login = api('POST', '/auth/login', { email: room.owner.email, password: PASSWORD }, { name: 'login' });
      if (login.status === 200) room.owner = sessionOf(login, 200, 'login');
      res = api('DELETE', `/rooms/${room.id}`, undefined, { token: room.owner.token, name: 'delete room', expected: [204, 404] });
    }
    if (check(res, { 'room deleted (204)': (r) => r.status === 204 || r.status === 404 })) deleted++;
    else console.warn(`teardown: DELETE /rooms/${room.id} answered ${res.status} ${res.body}`);
  }
  return deleted;
}

/**
 * teardown()'s common part: the rooms go through the API; the accounts need cleanup.mjs.
 * @param {string} script
 * @param {string} testid
 * @param {OwnedRoom[]} rooms
 */
export function teardownRun(script, testid, rooms) {
  const deleted = deleteRooms(rooms);
  console.log(
    `${script} ${testid}: deleted ${deleted} of ${rooms.length} rooms; remove the run's accounts with (DATABASE_URL set to the deployment's database): ${cleanupCommand(testid)}`,
  );
}

/**
 * Makes each account a member of its room, in parallel batches.
 * @param {Array<{ account: Account, room: number }>} memberships
 */
export function joinRooms(memberships) {
  for (let start = 0; start < memberships.length; start += 20) {
    const batch = memberships.slice(start, start + 20).map(({ account, room }) => ({
      method: 'POST',
      url: `${BASE_URL}/rooms/${room}/join`,
      params: params({ token: account.token, name: 'join room' }),
    }));
    batchRequests(batch).forEach((res, i) => {
      if (res.status !== 201) fail(`join room ${memberships[start + i].room}: ${res.status} ${res.body}`);
    });
  }
}

/**
 * Fails setup early, with the reason, when the target is not up: a run against a dead origin
 * would otherwise report only a wall of connection errors.
 */
export function requireReady() {
  const res = http.get(`${BASE_URL}/health/ready`, { tags: { name: 'health' } });
  if (!check(res, { 'target is ready': (r) => r.status === 200 })) fail(`${BASE_URL}/health/ready answered ${res.status} ${res.error}`);
}

/**
 * A number from `__ENV`, or `fallback` when unset or not a number.
 * @param {string} name
 * @param {number} fallback
 */
export function envNumber(name, fallback) {
  const value = Number(__ENV[name]);
  return __ENV[name] !== undefined && __ENV[name] !== '' && Number.isFinite(value) ? value : fallback;
}

/**
 * When an access token expires (ms since the epoch), read from its JWT `exp` claim; the server
 * closes a socket at that moment, so long sessions must renew before it.
 * @param {string} token
 */
export function tokenExpiresAt(token) {
  try {
    const claims = JSON.parse(encoding.b64decode(token.split('.')[1], 'rawurl', 's'));
    return typeof claims.exp === 'number' ? claims.exp * 1000 : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Seconds in a k6 duration string such as `1m30s`, `2h` or `500ms`.
 * @param {string} duration
 */
export function durationSeconds(duration) {
  /** @type {Record<string, number>} */
  const units = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  for (let match = part.exec(duration); match; match = part.exec(duration)) total += Number(match[1]) * units[match[2]];
  return total;
}

/**
 * What the JUnit report records about the run (`<properties>`): its testid and target. Read
 * from the consolidated options, so the id is the run's wherever handleSummary() is evaluated.
 * @returns {Record<string, string>}
 */
export function runProperties() {
  /** @type {Record<string, string>} */
  const properties = { base_url: BASE_URL };
  try {
    const tags = exec.test.options.tags || {};
    if (tags.testid) properties.testid = String(tags.testid);
  } catch {
    // Outside a test run (a unit test of the script): no options to read.
  }
  return properties;
}
