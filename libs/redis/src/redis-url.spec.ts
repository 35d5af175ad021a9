import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRedisUrl, parseRedisUrl, RedisUrlError } from './redis-url';

const SECRET = 'S3cr3t-pw';

/** Asserts `url` is refused with a message matching `pattern` and holding no password. */
function refuses(url: string, pattern: RegExp, secrets: string[] = [SECRET]) {
  assert.throws(
    () => parseRedisUrl(url),
    (error: unknown) => {
      assert.ok(error instanceof RedisUrlError, 'a RedisUrlError');
      assert.match(error.message, pattern);
      for (const secret of secrets) {
        assert.ok(!error.message.includes(secret), `no password in: ${error.message}`);
        assert.ok(!error.reason.includes(secret), `no password in: ${error.reason}`);
      }
      return true;
    },
    url,
  );
}

/** The one connection's options of a standalone or Sentinel URL. */
function optionsOf(url: string) {
  const target = parseRedisUrl(url);
  assert.notEqual(target.kind, 'cluster');
  return target.kind === 'cluster' ? undefined : target.options;
}

describe('parseRedisUrl: standalone', () => {
  it('reads host, port, db and percent-decoded credentials', () => {
    assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6379'), { kind: 'standalone', options: { host: '127.0.0.1', port: 6379, db: 0 } });
    assert.deepEqual(parseRedisUrl('redis://app%40ops:p%3Ass%2Fw%40rd@redis.internal:6380/3'), {
      kind: 'standalone',
      options: { host: 'redis.internal', port: 6380, username: 'app@ops', password: 'p:ss/w@rd', db: 3 },
    });
  });

  it('defaults the port to 6379, takes a bare password, a trailing slash, an IPv6 address, TLS', () => {
    assert.deepEqual(parseRedisUrl('redis://:pw@cache/'), {
      kind: 'standalone',
      options: { host: 'cache', port: 6379, password: 'pw', db: 0 },
    });
    assert.deepEqual(optionsOf('redis://[::1]:7000/1'), { host: '::1', port: 7000, db: 1 });
    assert.deepEqual(optionsOf('REDISS://h:6379'), { host: 'h', port: 6379, db: 0, tls: {} });
  });

  it('tolerates a raw "/", "?", "#" or "@" in a password (the last @ ends the user info)', () => {
    assert.deepEqual(optionsOf('redis://u:a/b?c#d@e@h:1/2'), { host: 'h', port: 1, username: 'u', password: 'a/b?c#d@e', db: 2 });
  });

  it('refuses what it cannot read, naming the problem', () => {
    refuses('redis://h:1,h2:2', /takes one host.*redis\+sentinel:\/\/ or redis\+cluster:\/\//);
    refuses('redis://h:1/0/1', /path is at most \/<db>/);
    refuses('redis://h:1/zero', /bad db "zero"/);
    refuses('redis://h:0', /bad port "0"/);
    refuses('redis://h:65536', /bad port "65536"/);
    refuses('redis://h:http', /bad port "http"/);
    refuses('redis://', /missing host/);
    refuses(`redis://u:${SECRET}@`, /missing host/);
    refuses('redis://h:1?family=6', /unknown query parameter "family".*takes none/);
    refuses('redis://h:1/0#frag', /'#' after the host/);
    refuses('redis://ho st:1', /malformed host "ho st:1"/);
  });
});

describe('parseRedisUrl: sentinel', () => {
  it('reads the sentinels, the master name, its db and credentials, and the sentinels own', () => {
    assert.deepEqual(
      parseRedisUrl(
        `redis+sentinel://app:${SECRET}@s1:26379,s2:26380,[fd00::3]:26381/my%20master/2?sentinelUsername=sen&sentinelPassword=a%2Bb+c`,
      ),
      {
        kind: 'sentinel',
        options: {
          sentinels: [
            { host: 's1', port: 26379 },
            { host: 's2', port: 26380 },
            { host: 'fd00::3', port: 26381 },
          ],
          name: 'my master',
          role: 'master',
          username: 'app',
          password: SECRET,
          db: 2,
          sentinelUsername: 'sen',
          // Decoded as a URI component: '+' stays '+' (passwords), it is not a form's space.
          sentinelPassword: 'a+b+c',
        },
      },
    );
  });

  it('defaults the db to 0; rediss+sentinel is TLS to the sentinels and to the master', () => {
    assert.deepEqual(optionsOf('rediss+sentinel://s1:26379/mymaster'), {
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'mymaster',
      role: 'master',
      db: 0,
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
    });
  });

  it('refuses a missing master name, ports, extra path, unknown parameters', () => {
    refuses(`redis+sentinel://u:${SECRET}@s1:26379,s2:26379`, /^redis\+sentinel URL needs a master name/);
    refuses('redis+sentinel://s1:26379/', /needs a master name/);
    refuses('redis+sentinel://s1:26379//0', /needs a master name/);
    refuses('redis+sentinel://s1,s2:26379/m', /sentinel "s1" needs a port/);
    refuses('redis+sentinel://s1:26379,,s2:26379/m', /empty sentinel #2/);
    refuses('redis+sentinel://s1:26379,/m', /empty sentinel #2/);
    refuses('redis+sentinel:///m', /missing sentinels/);
    refuses('redis+sentinel://s1:26379/m/0/1', /path is \/<masterName>\[\/<db>\]/);
    refuses('redis+sentinel://s1:26379/m/x', /bad db "x"/);
    refuses(
      'redis+sentinel://s1:26379/m?sentinelPasword=x',
      /unknown query parameter "sentinelPasword".*sentinelUsername, sentinelPassword/,
    );
    refuses('redis+sentinel://s1:99999/m', /bad port "99999" in "s1:99999"/);
  });
});

describe('parseRedisUrl: cluster', () => {
  it('reads the seed nodes and the credentials every node gets', () => {
    assert.deepEqual(parseRedisUrl(`redis+cluster://app:${SECRET}@n1:7000,n2:7001`), {
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      redisOptions: { username: 'app', password: SECRET },
    });
    assert.deepEqual(parseRedisUrl('rediss+cluster://n1:7000/'), {
      kind: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }],
      redisOptions: { tls: {} },
    });
  });

  it('refuses a db, a path, a missing port, parameters', () => {
    refuses(`redis+cluster://:${SECRET}@n1:7000/0`, /Redis Cluster has no databases besides 0: drop the \/0/);
    refuses('redis+cluster://n1:7000/3', /drop the \/3/);
    refuses('redis+cluster://n1:7000/mymaster', /has no path/);
    refuses('redis+cluster://n1', /seed node "n1" needs a port/);
    refuses('redis+cluster://n1:7000?sentinelPassword=x', /unknown query parameter "sentinelPassword"/);
  });
});

describe('parseRedisUrl: anything else', () => {
  it('refuses unknown schemes and non-URLs', () => {
    refuses('http://x', /unknown scheme "http:" \(expected one of redis:\/\/, rediss:\/\/, redis\+sentinel:\/\//);
    refuses('redis+socket://x:1', /unknown scheme "redis\+socket:"/);
    refuses('127.0.0.1:6379', /not a URL/);
    refuses('', /not a URL/);
  });

  it('refuses malformed percent-encoding without echoing the password', () => {
    refuses(`redis://u:${SECRET}%zz@h:1`, /malformed percent-encoding in the user name or password/, [SECRET, '%zz']);
    refuses('redis+sentinel://s:1/%zz', /malformed percent-encoding in the master name/);
    refuses('redis+sentinel://s:1/m?sentinelPassword=%zz', /malformed percent-encoding in the query/, ['%zz']);
  });

  it('never puts a password in a message, whatever else is wrong', () => {
    const malformed = [
      `redis://u:${SECRET}@h:1,h:2`,
      `redis://u:${SECRET}@h:x`,
      `rediss://:${SECRET}@h/1/2`,
      `redis://u:${SECRET}/x@h:port`,
      `redis+sentinel://u:${SECRET}@s:1`,
      `redis+sentinel://s:1?sentinelPassword=${SECRET}`,
      `redis+sentinel://s:1/m?sentinelPassword=${SECRET}&x=1`,
      `redis+cluster://u:${SECRET}@n:1/0`,
      `redis+cluster://u:${SECRET}@n:1,n:2/x`,
      `redis+cluster://u:${SECRET}@n:1#x`,
    ];
    for (const url of malformed) refuses(url, /./);
  });
});

describe('describeRedisUrl', () => {
  it('masks the password and sentinelPassword, keeps the rest', () => {
    assert.equal(describeRedisUrl(`redis://app:${SECRET}@h:6379/1`), 'redis://app:***@h:6379/1');
    assert.equal(describeRedisUrl(`redis://:${SECRET}@h`), 'redis://:***@h');
    assert.equal(describeRedisUrl('redis://app@h'), 'redis://app@h');
    assert.equal(describeRedisUrl('redis://h:6379'), 'redis://h:6379');
    assert.equal(
      describeRedisUrl(`redis+sentinel://u:${SECRET}@s1:1,s2:2/m?sentinelUsername=x&sentinelPassword=${SECRET}`),
      'redis+sentinel://u:***@s1:1,s2:2/m?sentinelUsername=x&sentinelPassword=***',
    );
    assert.equal(describeRedisUrl(`redis://u:a/b?c@${SECRET}@h:1`), 'redis://u:***@h:1');
  });

  it('masks malformed strings too, and leaves non-URLs alone', () => {
    assert.equal(describeRedisUrl(`http://u:${SECRET}@x`), 'http://u:***@x');
    assert.equal(describeRedisUrl('not a url'), 'not a url');
  });
});
