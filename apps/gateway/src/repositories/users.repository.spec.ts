import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SiteRole } from '@chat/contracts';
import { UserEntity } from '@chat/database';
import { type RealServices, startRealServices } from '../testing/real-services';
import { UsersRepository } from './users.repository';

let counter = 0;
function newUser(fields: { email?: string | null; nickname?: string; role?: SiteRole; passwordHash?: string | null } = {}) {
  const nickname = fields.nickname ?? `person${++counter}`;
  return {
    email: fields.email === undefined ? `${nickname.toLowerCase()}@medium.test` : fields.email,
    passwordHash: fields.passwordHash ?? null,
    nickname,
    role: fields.role ?? 'user',
    maskedIp: null,
    bannedAt: null,
    banReason: null,
    createdAt: new Date(),
  } satisfies Omit<UserEntity, 'id'>;
}

describe('UsersRepository (MariaDB)', () => {
  let services: RealServices;
  let users: UsersRepository;

  before(async () => {
    services = await startRealServices();
    users = new UsersRepository(services.db.getRepository(UserEntity), services.reads);
  });
  after(() => services?.close());

  it('stores a user and answers null for an email already registered', async () => {
    const stored = await users.insert(newUser({ email: 'taken@medium.test' }));
    assert.ok(stored && stored.id > 0);
    assert.equal((await users.findById(stored.id))?.email, 'taken@medium.test');
    assert.equal(await users.insert(newUser({ email: 'taken@medium.test' })), null);
    const [{ n }] = await services.db.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM users WHERE email = ?', ['taken@medium.test']);
    assert.equal(Number(n), 1);
  });

  it('stores any number of guests, who have no email', async () => {
    const a = await users.insert(newUser({ email: null, role: 'guest' }));
    const b = await users.insert(newUser({ email: null, role: 'guest' }));
    assert.ok(a && b && a.id !== b.id);
  });

  it('selects the password hash only when asked for it', async () => {
    const stored = await users.insert(newUser({ email: 'secret@medium.test', passwordHash: '$2b$04$hash' }));
    assert.ok(stored);
    assert.equal((await users.findById(stored.id))?.passwordHash, undefined);
    assert.equal((await users.findMany([stored.id]))[0]?.passwordHash, undefined);
    assert.equal((await users.findByEmailWithSecret('secret@medium.test'))?.passwordHash, '$2b$04$hash');
    assert.equal(await users.findByEmailWithSecret('nobody@medium.test'), null);
    assert.equal(await users.countWithPasswordHash(['$2b$04$hash', 'other']), 1);
    assert.equal(await users.countWithPasswordHash([]), 0);
  });

  it('finds many by id, skipping unknown ones', async () => {
    const a = await users.insert(newUser());
    const b = await users.insert(newUser());
    assert.ok(a && b);
    const found = await users.findMany([b.id, a.id, 2 ** 31]);
    assert.deepEqual(found.map((u) => u.id).sort(), [a.id, b.id].sort());
    assert.deepEqual(await users.findMany([]), []);
  });

  it('searches by the start of a nickname or email, newest first, a page at a time', async () => {
    const tag = `Srch${Date.now().toString(36)}`;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await users.insert(newUser({ nickname: `${tag}${i}` })))!.id);
    const byEmail = (await users.insert(newUser({ nickname: 'unrelated', email: `${tag.toLowerCase()}mail@medium.test` })))!.id;
    await users.insert(newUser({ nickname: `x${tag}` }));

    const first = await users.search({ q: tag, limit: 3 });
    assert.deepEqual(
      first.map((u) => u.id),
      [byEmail, ids[2], ids[1]],
    );
    const next = await users.search({ q: tag, before: first[2].id, limit: 3 });
    assert.deepEqual(
      next.map((u) => u.id),
      [ids[0]],
    );
  });

  it('takes % and _ in a search literally', async () => {
    const literal = (await users.insert(newUser({ nickname: 'a_b%literal' })))!.id;
    await users.insert(newUser({ nickname: 'axbyliteral' }));
    assert.deepEqual(
      (await users.search({ q: 'a_b%', limit: 10 })).map((u) => u.id),
      [literal],
    );
  });

  it('updates only the given fields', async () => {
    const stored = (await users.insert(newUser({ nickname: 'before' })))!;
    await users.update(stored.id, { nickname: 'after', banReason: 'abuse', bannedAt: new Date() });
    const updated = await users.findById(stored.id);
    assert.equal(updated?.nickname, 'after');
    assert.equal(updated.banReason, 'abuse');
    assert.ok(updated.bannedAt instanceof Date);
    assert.equal(updated.email, stored.email);
  });
});
