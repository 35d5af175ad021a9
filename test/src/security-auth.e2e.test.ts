import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import type { PublicUser, Session, UserView } from '@chat/contracts';
import { median } from './load/load';
import type { RowDataPacket } from 'mysql2/promise';
import { useCluster } from './support/fixture';
import { AddressClient, http, loginFromFreshAddress, PRODUCTION_LIMITS, registerFromFreshAddress } from './support/source-address';
import { eventually } from './support/wait';

/**
 * The security review's findings on accounts, logins and tokens (H2, M2, M6, L2, L3, L8, L11,
 * I3), against a cluster with the production limits and bcrypt cost. Every client that logs in or
 * signs up does so from a loopback address of its own, as distinct clients of nginx would.
 */
describe('security: accounts, logins and tokens', { timeout: 240_000 }, () => {
  const jwtSecret = randomBytes(36).toString('base64url'); // 48 characters
  const t = useCluster({ gateways: 2, env: { ...PRODUCTION_LIMITS, BCRYPT_ROUNDS: '10', JWT_SECRET: jwtSecret } });

  const replicaUrl = () => `http://127.0.0.1:${t.cluster.replicas[0].port}`;
  const wrongLogin = (client: AddressClient, email: string, headers?: Record<string, string>) =>
    client.api<{ code: string }>('POST', '/auth/login', { body: { email, password: 'not the password' }, headers });
  const unknownEmail = () => `nobody-${randomUUID().slice(0, 12)}@example.test`;

  describe('H2: the client IP is the one nginx saw', () => {
    it('H2: two client addresses have separate login buckets through nginx', async () => {
      const a = new AddressClient(t.url);
      const b = new AddressClient(t.url);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await wrongLogin(a, unknownEmail())).status);
      assert.deepEqual(statuses, Array<number>(10).fill(401), 'ten wrong logins on distinct accounts are refused as wrong, not limited');
      const eleventh = await wrongLogin(a, unknownEmail());
      assert.equal(eleventh.status, 429, `A's 11th attempt: ${eleventh.text}`);
      assert.equal(eleventh.body.code, 'RATE_LIMITED');
      assert.ok(Number(eleventh.headers['retry-after']) > 0, 'Retry-After is set');

      const other = await wrongLogin(b, unknownEmail());
      assert.equal(other.status, 401, `B's first attempt must not share A's bucket: ${other.status} ${other.text}`);
    });

    it('H2: a spoofed X-Forwarded-For neither escapes the sender’s bucket nor spends another client’s', async () => {
      const spoofer = new AddressClient(t.url);
      for (let i = 1; i <= 10; i++) {
        const attempt = await wrongLogin(spoofer, unknownEmail(), { 'x-forwarded-for': `8.8.4.${i}` });
        assert.equal(attempt.status, 401, `attempt ${i}: ${attempt.text}`);
      }
      const eleventh = await wrongLogin(spoofer, unknownEmail(), { 'x-forwarded-for': '8.8.4.4' });
      assert.equal(
        eleventh.status,
        429,
        `a rotating X-Forwarded-For must not reset the sender's bucket: ${eleventh.status} ${eleventh.text}`,
      );
      assert.equal(eleventh.body.code, 'RATE_LIMITED');

      // Another client naming the spoofer's (now exhausted) address, or 8.8.4.4, keeps its own bucket.
      const bystander = new AddressClient(t.url);
      const named = await wrongLogin(bystander, unknownEmail(), { 'x-forwarded-for': spoofer.address });
      assert.equal(named.status, 401, `${named.status} ${named.text}`);
      const named2 = await wrongLogin(bystander, unknownEmail(), { 'x-forwarded-for': '8.8.4.4' });
      assert.equal(named2.status, 401, `${named2.status} ${named2.text}`);
    });

    it('H2: a guest is shown with the masked address nginx saw, whatever X-Forwarded-For says', async () => {
      const client = new AddressClient(t.url, '127.5.6.7');
      const plain = await client.api<{ user: PublicUser }>('POST', '/auth/guest', { body: {} });
      assert.equal(plain.status, 201, plain.text);
      assert.equal(plain.body.user.maskedIp, '127.5.xxx.xxx');
      const spoofed = await client.api<{ user: PublicUser }>('POST', '/auth/guest', {
        body: {},
        headers: { 'x-forwarded-for': '8.8.4.4' },
      });
      assert.equal(spoofed.status, 201, spoofed.text);
      assert.equal(spoofed.body.user.maskedIp, '127.5.xxx.xxx');
    });

    it('H2: a replica believes no X-Forwarded-For from a client that is not nginx', async () => {
      const direct = await http<{ user: PublicUser }>(replicaUrl(), 'POST', '/auth/guest', {
        body: {},
        from: '127.0.0.1',
        headers: { 'x-forwarded-for': '8.8.4.4' },
      });
      assert.equal(direct.status, 201, direct.text);
      assert.equal(direct.body.user.maskedIp, '127.0.xxx.xxx');
      const other = await http<{ user: PublicUser }>(replicaUrl(), 'POST', '/auth/guest', {
        body: {},
        from: '127.6.7.8',
        headers: { 'x-forwarded-for': '8.8.4.4' },
      });
      assert.equal(other.status, 201, other.text);
      assert.equal(other.body.user.maskedIp, '127.6.xxx.xxx');
    });
  });

  it('M6: the 6th registration and the 11th guest from one address within a minute are refused; another address is not', async () => {
    const client = new AddressClient(t.url);
    for (let i = 0; i < 5; i++) await client.register();
    const sixth = await client.api<{ code: string }>('POST', '/auth/register', {
      body: { email: `${randomUUID()}@example.test`, password: 'correct horse battery', nickname: 'sixth' },
    });
    assert.equal(sixth.status, 429, `6th registration: ${sixth.text}`);
    assert.equal(sixth.body.code, 'RATE_LIMITED');
    assert.ok(Number(sixth.headers['retry-after']) > 0, 'Retry-After is set');

    for (let i = 0; i < 10; i++) await client.guest();
    const eleventh = await client.api<{ code: string }>('POST', '/auth/guest', { body: {} });
    assert.equal(eleventh.status, 429, `11th guest: ${eleventh.text}`);
    assert.equal(eleventh.body.code, 'RATE_LIMITED');

    const elsewhere = new AddressClient(t.url);
    await elsewhere.register();
    await elsewhere.guest();
  });

  it('M6: the worker deletes old guests that joined nothing and said nothing, and keeps the others', async () => {
    const client = new AddressClient(t.url);
    const [idle, member, fresh] = [await client.guest(), await client.guest(), await client.guest()];
    assert.equal((await http(t.url, 'POST', '/rooms/1/join', { token: member.access_token })).status, 201);
    // Two days old: past GUEST_RETENTION_HOURS (24), and past any token's life.
    await t.db.query('UPDATE users SET created_at = UTC_TIMESTAMP(3) - INTERVAL 2 DAY WHERE id IN (?)', [[idle.user.id, member.user.id]]);
    const alive = async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT id FROM users WHERE id IN (?)', [
        [idle.user.id, member.user.id, fresh.user.id],
      ]);
      return new Set(rows.map((r) => Number(r.id)));
    };
    // A worker sweeps as it starts (and every 10 minutes after).
    await t.cluster.supervisor.stopOne('worker');
    t.cluster.supervisor.resume('worker');
    await eventually('the idle guest to be deleted', async () => !(await alive()).has(idle.user.id), 30_000, 250);
    assert.deepEqual([...(await alive())].sort(), [member.user.id, fresh.user.id].sort());
  });

  it('M2: a password change ends every other session and socket, and hands the caller a fresh token', async () => {
    const user = await registerFromFreshAddress(t.url);
    const email = user.user.email!;
    const first = await loginFromFreshAddress(t.url, email, user.password);
    const second = await loginFromFreshAddress(t.url, email, user.password);
    const { socket } = await t.connect(second.access_token);
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));

    const newPassword = 'a brand new passphrase';
    const change = await http<UserView & { access_token?: string }>(t.url, 'PATCH', `/users/${user.user.id}`, {
      token: first.access_token,
      body: { password: newPassword },
    });
    assert.equal(change.status, 200, change.text);
    assert.equal(change.body.id, user.user.id, 'the response carries the user');
    const fresh = change.body.access_token;
    assert.equal(typeof fresh, 'string', `the response carries a fresh access_token: ${change.text}`);

    for (const [name, token] of [
      ['the caller’s old token', first.access_token],
      ['the other session’s token', second.access_token],
    ] as const) {
      const me = await http<{ code: string }>(t.url, 'GET', '/auth/me', { token });
      assert.equal(me.status, 401, `${name} still works: ${me.text}`);
    }
    await Promise.race([disconnected, sleep(5_000).then(() => assert.fail('the other session’s socket is still connected after 5 s'))]);
    assert.equal((await http(t.url, 'GET', '/auth/me', { token: fresh })).status, 200, 'the fresh token works');

    await loginFromFreshAddress(t.url, email, newPassword);
    const old = await new AddressClient(t.url).api('POST', '/auth/login', { body: { email, password: user.password } });
    assert.equal(old.status, 401, `the old password still logs in: ${old.text}`);
  });

  it('L2: a new password longer than 72 UTF-8 bytes is refused at registration and on change; 72 bytes are accepted', async () => {
    const hangul72 = '가'.repeat(24); // 24 × 3 bytes
    const cases = [
      { password: 'a'.repeat(73), ok: false },
      { password: `${hangul72}a`, ok: false },
      { password: hangul72, ok: true },
      { password: 'b'.repeat(72), ok: true },
    ];
    for (const { password, ok } of cases) {
      assert.equal(Buffer.byteLength(password), ok ? 72 : 73);
      const response = await new AddressClient(t.url).api<{ code: string; message: string; user?: PublicUser }>('POST', '/auth/register', {
        body: { email: `${randomUUID()}@example.test`, password, nickname: 'bytes' },
      });
      if (ok) {
        assert.equal(response.status, 201, `${Buffer.byteLength(password)} bytes: ${response.text}`);
        await loginFromFreshAddress(t.url, response.body.user!.email!, password);
      } else {
        assert.equal(response.status, 400, `${Buffer.byteLength(password)} bytes: ${response.text}`);
        assert.equal(response.body.code, 'VALIDATION_FAILED');
        assert.match(response.body.message, /72 bytes/);
      }
    }

    const user = await registerFromFreshAddress(t.url);
    const tooLong = await http<{ code: string; message: string }>(t.url, 'PATCH', `/users/${user.user.id}`, {
      token: user.access_token,
      body: { password: `${hangul72}!` },
    });
    assert.equal(tooLong.status, 400, tooLong.text);
    assert.equal(tooLong.body.code, 'VALIDATION_FAILED');
    assert.match(tooLong.body.message, /72 bytes/);
    const fits = await http(t.url, 'PATCH', `/users/${user.user.id}`, { token: user.access_token, body: { password: hangul72 } });
    assert.equal(fits.status, 200, fits.text);
    await loginFromFreshAddress(t.url, user.user.email!, hangul72);
  });

  it('L3: a login with an unknown email takes about as long as a wrong password for a known one', async () => {
    const known = await registerFromFreshAddress(t.url);
    const forKnown = new AddressClient(t.url);
    const forUnknown = new AddressClient(t.url);
    const timed = async (client: AddressClient, email: string) => {
      const started = performance.now();
      const response = await wrongLogin(client, email);
      assert.equal(response.status, 401, response.text);
      return performance.now() - started;
    };
    // One warm-up each, then alternating, so both see the same machine.
    await timed(forKnown, known.user.email!);
    await timed(forUnknown, unknownEmail());
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < 8; i++) {
      knownMs.push(await timed(forKnown, known.user.email!));
      unknownMs.push(await timed(forUnknown, unknownEmail()));
    }
    const [k, u] = [median(knownMs), median(unknownMs)];
    process.stdout.write(`# L3: median login time, wrong password ${k.toFixed(1)} ms, unknown email ${u.toFixed(1)} ms\n`);
    assert.ok(u >= 0.5 * k, `an unknown email answers in ${u.toFixed(1)} ms, a wrong password in ${k.toFixed(1)} ms`);
  });

  it('L8: ten wrong passwords from one address do not lock the owner out from another; the attacker’s 11th is refused', async () => {
    const victim = await registerFromFreshAddress(t.url);
    const attacker = new AddressClient(t.url);
    for (let i = 0; i < 10; i++) {
      const attempt = await wrongLogin(attacker, victim.user.email!);
      assert.equal(attempt.status, 401, `attempt ${i + 1}: ${attempt.text}`);
    }
    const owner = await new AddressClient(t.url).api<{ code: string }>('POST', '/auth/login', {
      body: { email: victim.user.email, password: victim.password },
      timeoutMs: 30_000,
    });
    assert.equal(owner.status, 200, `the owner's own login: ${owner.status} ${owner.text}`);
    const eleventh = await wrongLogin(attacker, victim.user.email!);
    assert.equal(eleventh.status, 429, eleventh.text);
    assert.equal(eleventh.body.code, 'RATE_LIMITED');
  });

  it('L11: a token issued before a ban stays void after an unban in the same second', async () => {
    const admin = await loginFromFreshAddress(t.url, 'admin@test.com');
    const user = await registerFromFreshAddress(t.url);
    const ban = (banned: boolean) =>
      http(t.url, 'PATCH', `/users/${user.user.id}/ban`, {
        token: admin.access_token,
        body: banned ? { banned, reason: 'L11' } : { banned },
      });
    // Issue, ban and unban inside one wall-clock second (tokens carry whole seconds); retried if a boundary fell in between.
    for (let attempt = 0; attempt < 5; attempt++) {
      await sleep(1000 - (Date.now() % 1000) + 5);
      const session = await loginFromFreshAddress(t.url, user.user.email!, user.password);
      assert.equal((await ban(true)).status, 200);
      assert.equal((await ban(false)).status, 200);
      const unbannedAt = Math.floor(Date.now() / 1000);
      const issuedAt = claimsOf(session.access_token).iat as number;
      if (issuedAt !== unbannedAt) continue;
      const me = await http(t.url, 'GET', '/auth/me', { token: session.access_token });
      assert.equal(me.status, 401, `a token issued before the ban works again after the unban: ${me.text}`);
      // A cut-off kept at the ban's (the next second) voids tokens of this second too: log in after it.
      await sleep(1000 - (Date.now() % 1000) + 5);
      const again = await loginFromFreshAddress(t.url, user.user.email!, user.password);
      assert.equal(
        (await http(t.url, 'GET', '/auth/me', { token: again.access_token })).status,
        200,
        'a token issued after the unban works',
      );
      return;
    }
    assert.fail('could not issue, ban and unban within one second in five tries');
  });

  describe('I3: tokens are checked against their claims and the database', () => {
    let user: Session;
    const now = () => Math.floor(Date.now() / 1000);

    before(async () => {
      user = await registerFromFreshAddress(t.url);
    });

    it('I3: a validly signed token with every claim works (the signing below is right)', async () => {
      const token = sign({ sub: user.user.id, role: 'user', jti: randomUUID(), iat: now(), exp: now() + 600 }, jwtSecret);
      const me = await http(t.url, 'GET', '/auth/me', { token });
      assert.equal(me.status, 200, me.text);
    });

    it('I3: a validly signed token without `exp`, or without `jti`, is refused', async () => {
      const noExp = sign({ sub: user.user.id, role: 'user', jti: randomUUID(), iat: now() }, jwtSecret);
      const noJti = sign({ sub: user.user.id, role: 'user', iat: now(), exp: now() + 600 }, jwtSecret);
      for (const [name, token] of [
        ['without exp', noExp],
        ['without jti', noJti],
      ] as const) {
        for (const path of ['/auth/me', '/rooms/mine']) {
          const response = await http<{ code: string }>(t.url, 'GET', path, { token });
          assert.equal(response.status, 401, `a token ${name} on ${path}: ${response.status} ${response.text}`);
          assert.equal(response.body.code, 'UNAUTHORIZED');
        }
      }
    });

    it('I3: a token claiming the admin role for a user whose role is user gets no admin rights', async () => {
      const token = sign({ sub: user.user.id, role: 'admin', jti: randomUUID(), iat: now(), exp: now() + 600 }, jwtSecret);
      const users = await http<{ code: string }>(t.url, 'GET', '/users', { token });
      assert.equal(users.status, 403, users.text);
      assert.equal(users.body.code, 'FORBIDDEN');
    });

    it('I3: a token for a user id that does not exist is refused', async () => {
      const token = sign({ sub: 2_000_000_000, role: 'user', jti: randomUUID(), iat: now(), exp: now() + 600 }, jwtSecret);
      const mine = await http<{ code: string }>(t.url, 'GET', '/rooms/mine', { token });
      assert.equal(mine.status, 401, mine.text);
      assert.equal(mine.body.code, 'UNAUTHORIZED');
    });
  });
});

/** An HS256 JWT, signed as the gateway signs its own. */
function sign(claims: Record<string, unknown>, secret: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}
