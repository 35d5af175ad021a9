// REST helpers shared by the k6 scripts: the target origin, JSON requests, and the setup() work of
// registering users and rooms (registration and logins are both limited per client IP on the deployment: see README.md, "Rate limits").
import http from 'k6/http';
import { check, fail } from 'k6';
import encoding from 'k6/encoding';

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

/** A short id for this run, so repeated runs against one deployment never collide on emails. */
export function runId() {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
    .toString(36)
    .padStart(2, '0')}`;
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
 * Registers `count` accounts, in parallel batches so that setup stays short even with bcrypt.
 * @param {number} count
 * @param {string} prefix distinguishes the accounts of one script from another's
 * @returns {Account[]}
 */
export function registerAccounts(count, prefix) {
  const id = runId();
  /** @type {Account[]} */
  const accounts = [];
  for (let start = 0; start < count; start += 20) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 20); i++) {
      const body = { email: `${prefix}-${id}-${i}@loadtest.example`, password: PASSWORD, nickname: `${prefix}${i}`.slice(0, 32) };
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
