import type { RedisOptions } from 'ioredis';

/** One Redis Cluster seed node, or one Sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * What a Redis URL points at, as ioredis options:
 * - `standalone`: one server (`redis://`, `rediss://`), options for `new Redis(options)`;
 * - `sentinel`: a Sentinel-managed master (`redis+sentinel://`), options for `new Redis(options)`
 *   with `sentinels`, `name` and `role: 'master'` (ioredis asks the sentinels where the master is);
 * - `cluster`: Redis Cluster seed nodes (`redis+cluster://`), for `new Cluster(nodes, { redisOptions })`.
 */
export type RedisTarget =
  | { kind: 'standalone'; options: RedisOptions }
  | { kind: 'sentinel'; options: RedisOptions }
  | { kind: 'cluster'; nodes: RedisNode[]; redisOptions: RedisOptions };

export type RedisTargetKind = RedisTarget['kind'];

/**
 * A malformed Redis URL. `reason` says what is wrong without the URL (config errors print the
 * variable's value next to it); `message` adds the URL with its passwords masked. Neither ever
 * contains a password.
 */
export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
  constructor(
    readonly reason: string,
    url: string,
  ) {
    super(`${reason}: ${describeRedisUrl(url)}`);
  }
}

const SCHEMES: Record<string, { kind: RedisTargetKind; tls: boolean }> = {
  redis: { kind: 'standalone', tls: false },
  rediss: { kind: 'standalone', tls: true },
  'redis+sentinel': { kind: 'sentinel', tls: false },
  'rediss+sentinel': { kind: 'sentinel', tls: true },
  'redis+cluster': { kind: 'cluster', tls: false },
  'rediss+cluster': { kind: 'cluster', tls: true },
};
const SCHEME_LIST = Object.keys(SCHEMES)
  .map((s) => `${s}://`)
  .join(', ');
const SENTINEL_PARAMS = ['sentinelUsername', 'sentinelPassword'];

/** Where the user info ends: the last `@` before the query, else the last `@` at all (a password with a raw `?`). */
function userInfoEnd(rest: string): number {
  const query = rest.indexOf('?');
  const at = rest.lastIndexOf('@', query >= 0 ? query : undefined);
  return at >= 0 && (query < 0 || at < query) ? at : rest.lastIndexOf('@');
}

/**
 * The URL with its passwords (the user info's and `sentinelPassword`) replaced by `***`, for logs
 * and error messages. Works on any string, well-formed or not; when unsure it masks more.
 */
export function describeRedisUrl(url: string): string {
  let shown = url;
  const separator = url.indexOf('://');
  if (separator >= 0) {
    const rest = url.slice(separator + 3);
    const at = userInfoEnd(rest);
    const colon = at >= 0 ? rest.slice(0, at).indexOf(':') : -1;
    if (colon >= 0) shown = `${url.slice(0, separator + 3)}${rest.slice(0, colon)}:***${rest.slice(at)}`;
  }
  return shown.replace(/([?&]sentinelPassword=)[^&#]*/gi, '$1***');
}

/**
 * Parses a Redis URL in one of three forms:
 * - `redis://[user:pass@]host[:port][/db]`, `rediss://…` (TLS): one server, port 6379 by default;
 * - `redis+sentinel://[user:pass@]host1:port1,host2:port2,…/<masterName>[/<db>][?sentinelUsername=…&sentinelPassword=…]`,
 *   `rediss+sentinel://…` (TLS to the sentinels and the master): the user and password are the master's;
 * - `redis+cluster://[user:pass@]host1:port1,host2:port2,…`, `rediss+cluster://…` (TLS): seed nodes, no db.
 *
 * The user and password are percent-decoded; a raw `/`, `?` or `#` in a password is tolerated
 * (the last `@` ends the user info). Throws a RedisUrlError, which never contains a password, on
 * anything malformed.
 */
export function parseRedisUrl(url: string): RedisTarget {
  function fail(reason: string): never {
    throw new RedisUrlError(reason, url);
  }
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url);
  if (!schemeMatch) fail(`not a URL (expected one of ${SCHEME_LIST})`);
  const [, rawScheme, rest] = schemeMatch;
  const scheme = rawScheme.toLowerCase();
  const form = SCHEMES[scheme];
  if (!form) fail(`unknown scheme "${rawScheme}:" (expected one of ${SCHEME_LIST})`);
  const { kind, tls } = form;

  // User info: everything before the last '@' (see userInfoEnd); never echoed in errors.
  const at = userInfoEnd(rest);
  let username: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(':');
    const [rawUser, rawPassword] = colon >= 0 ? [userInfo.slice(0, colon), userInfo.slice(colon + 1)] : [userInfo, ''];
    try {
      username = rawUser ? decodeURIComponent(rawUser) : undefined;
      password = rawPassword ? decodeURIComponent(rawPassword) : undefined;
    } catch {
      fail('malformed percent-encoding in the user name or password');
    }
  }
  const afterUserInfo = rest.slice(at + 1);
  if (afterUserInfo.includes('#')) fail("a '#' after the host: percent-encode it (%23) in a password, fragments are not allowed");

  const hostEnd = afterUserInfo.search(/[/?]/);
  const hostList = hostEnd >= 0 ? afterUserInfo.slice(0, hostEnd) : afterUserInfo;
  const afterHosts = hostEnd >= 0 ? afterUserInfo.slice(hostEnd) : '';
  const queryStart = afterHosts.indexOf('?');
  const path = queryStart >= 0 ? afterHosts.slice(0, queryStart) : afterHosts;
  const query = queryStart >= 0 ? afterHosts.slice(queryStart + 1) : '';

  const nodes = parseHosts(hostList, kind, fail);
  const segments = path.replace(/^\//, '').replace(/\/$/, '');
  const parts = segments === '' ? [] : segments.split('/');
  const params = parseQuery(query, kind === 'sentinel' ? SENTINEL_PARAMS : [], scheme, fail);

  switch (kind) {
    case 'standalone': {
      if (nodes.length > 1) fail(`a ${scheme}:// URL takes one host; for several use redis+sentinel:// or redis+cluster://`);
      if (parts.length > 1) fail(`a ${scheme}:// URL's path is at most /<db>`);
      return {
        kind,
        options: {
          host: nodes[0].host,
          port: nodes[0].port,
          ...credentials(username, password),
          db: parts.length === 1 ? parseDb(parts[0], fail) : 0,
          ...(tls ? { tls: {} } : {}),
        },
      };
    }
    case 'sentinel': {
      if (parts.length === 0 || parts[0] === '') fail(`${scheme} URL needs a master name (…/<masterName>[/<db>])`);
      if (parts.length > 2) fail(`a ${scheme}:// URL's path is /<masterName>[/<db>]`);
      let name = '';
      try {
        name = decodeURIComponent(parts[0]);
      } catch {
        fail('malformed percent-encoding in the master name');
      }
      const sentinelUsername = params.get('sentinelUsername');
      const sentinelPassword = params.get('sentinelPassword');
      return {
        kind,
        options: {
          sentinels: nodes,
          name,
          role: 'master',
          ...credentials(username, password),
          db: parts.length === 2 ? parseDb(parts[1], fail) : 0,
          ...(sentinelUsername ? { sentinelUsername } : {}),
          ...(sentinelPassword ? { sentinelPassword } : {}),
          // TLS both ways: to the sentinels (sentinelTLS) and to the master they name (tls).
          ...(tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
        },
      };
    }
    case 'cluster': {
      if (parts.length > 0) {
        fail(
          /^\d+$/.test(parts[0])
            ? `Redis Cluster has no databases besides 0: drop the /${parts[0]} from the ${scheme}:// URL`
            : `a ${scheme}:// URL has no path (seed nodes only)`,
        );
      }
      return { kind, nodes, redisOptions: { ...credentials(username, password), ...(tls ? { tls: {} } : {}) } };
    }
  }
}

function credentials(username: string | undefined, password: string | undefined): RedisOptions {
  return { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

function parseHosts(list: string, kind: RedisTargetKind, fail: (reason: string) => never): RedisNode[] {
  const what = kind === 'sentinel' ? 'sentinel' : kind === 'cluster' ? 'seed node' : 'host';
  if (list === '') fail(kind === 'standalone' ? 'missing host' : `missing ${what}s (host1:port1,host2:port2,…)`);
  return list.split(',').map((entry, i) => {
    if (entry === '') fail(`empty ${what} #${i + 1} in the host list`);
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(?::(.*))?$/.exec(entry);
    if (!match) fail(`malformed ${what} "${entry}" (expected host:port)`);
    const [, rawHost, rawPort] = match;
    const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
    if (rawPort === undefined || rawPort === '') {
      if (kind !== 'standalone') fail(`${what} "${entry}" needs a port (host:port)`);
      return { host, port: 6379 };
    }
    const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
    if (!(port >= 1 && port <= 65_535)) fail(`bad port "${rawPort}" in "${entry}" (1-65535)`);
    return { host, port };
  });
}

function parseDb(raw: string, fail: (reason: string) => never): number {
  if (!/^\d{1,9}$/.test(raw)) fail(`bad db "${raw}" (a non-negative integer)`);
  return Number(raw);
}

/** `name=value&…`, percent-decoded as URI components (a `+` stays a `+`, as in a password). */
function parseQuery(query: string, allowed: string[], scheme: string, fail: (reason: string) => never): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(equals >= 0 ? pair.slice(0, equals) : pair);
      value = equals >= 0 ? decodeURIComponent(pair.slice(equals + 1)) : '';
    } catch {
      return fail('malformed percent-encoding in the query');
    }
    if (!allowed.includes(name)) {
      fail(
        allowed.length > 0
          ? `unknown query parameter "${name}" (a ${scheme}:// URL takes ${allowed.join(', ')})`
          : `unknown query parameter "${name}" (a ${scheme}:// URL takes none)`,
      );
    }
    params.set(name, value);
  }
  return params;
}
