import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import type { Session } from '@chat/contracts';
import { api, createRoom, guest, registerUser } from './support/clients';
import { useCluster } from './support/fixture';
import { repoRoot } from './support/test-cluster';
import { eventually } from './support/wait';

/**
 * loadtest/cleanup.mjs against a real cluster's database: accounts made the way the k6 scripts
 * make them (testid in the email, or in a guest's nickname), rooms and messages made through the
 * API, then the script run as an operator would, with DATABASE_URL.
 */

const run = promisify(execFile);

describe('loadtest/cleanup.mjs', () => {
  const t = useCluster({ gateways: 1 });
  const testid = `t${Date.now().toString(36)}`;
  const otherTestid = `u${Date.now().toString(36)}`;
  let databaseUrl = '';
  let ours: Session[] = [];
  let theirs: Session[] = [];
  let bystanders: Session[] = [];
  const rooms = { ours: 0, theirs: 0, bystanders: 0 };

  const register = async (email: string, nickname: string): Promise<Session> => {
    const { status, body } = await api<Session>(t.url, 'POST', '/auth/register', {
      body: { email, password: 'k6-load-test-password', nickname },
    });
    assert.equal(status, 201, JSON.stringify(body));
    return body;
  };
  const post = async (session: Session, room: number, content: string) => {
    const { status } = await api(t.url, 'POST', `/rooms/${room}/messages`, { token: session.access_token, body: { content } });
    assert.equal(status, 202);
  };
  const joinRoom = async (session: Session, room: number) => {
    const { status } = await api(t.url, 'POST', `/rooms/${room}/join`, { token: session.access_token });
    assert.equal(status, 201);
  };
  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await t.db.query<RowDataPacket[]>(sql, params))[0] as T[];
  const userIds = async () => new Set((await rows<{ id: number }>('SELECT id FROM users')).map((row) => row.id));
  const roomIds = async () => new Set((await rows<{ id: number }>('SELECT id FROM rooms')).map((row) => row.id));
  const cleanup = (...args: string[]) =>
    run(process.execPath, [join(repoRoot, 'loadtest/cleanup.mjs'), ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    });

  before(async () => {
    const [{ name }] = await rows<{ name: string }>('SELECT DATABASE() AS name');
    databaseUrl = `${process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/${name}`;

    // This run: two accounts and a guest, as the scripts name them.
    ours = [
      await register(`k6-${testid}-chat-0@loadtest.example`, 'k6chat0'),
      await register(`k6-${testid}-chat-1@loadtest.example`, 'k6chat1'),
      await guest(t.url, `k6-${testid}-g1x0`),
    ];
    // Another run, and people who have nothing to do with load tests.
    theirs = [await register(`k6-${otherTestid}-chat-0@loadtest.example`, 'k6chat0'), await guest(t.url, `k6-${otherTestid}-g1x0`)];
    bystanders = [await registerUser(t.url), await guest(t.url, 'visitor')];

    rooms.ours = await createRoom(t.url, ours[0], { name: `k6 ${testid} chat room 1` });
    rooms.theirs = await createRoom(t.url, theirs[0], { name: `k6 ${otherTestid} chat room 1` });
    rooms.bystanders = await createRoom(t.url, bystanders[0], { name: 'book club' });
    await joinRoom(ours[1], rooms.ours);
    await joinRoom(ours[2], rooms.ours);
    await joinRoom(theirs[0], rooms.ours);
    await joinRoom(ours[0], rooms.bystanders);
    await joinRoom(theirs[0], rooms.bystanders);
    await post(ours[0], rooms.ours, 'in our room');
    await post(ours[1], rooms.ours, 'in our room too');
    await post(ours[0], rooms.bystanders, 'in the book club');
    await post(bystanders[0], rooms.bystanders, 'welcome');
    await post(theirs[0], rooms.bystanders, 'from the other run');
    await eventually(
      'the messages to be stored',
      async () => (await rows<{ n: number }>("SELECT COUNT(*) AS n FROM messages WHERE type = 'chat'"))[0].n === 5,
    );
    // teardown() soft-deletes the rooms through the API; cleanup must remove them all the same.
    const { status } = await api(t.url, 'DELETE', `/rooms/${rooms.ours}`, { token: ours[0].access_token });
    assert.equal(status, 204);
  });

  it('refuses a testid that could match another run’s accounts, and changes nothing', async () => {
    const before = await userIds();
    await assert.rejects(cleanup('--testid', `${testid}-x`), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /--testid must be 1-16 letters or digits/);
      return true;
    });
    await assert.rejects(cleanup(), (error: { code: number; stderr: string }) => error.code === 2 && /usage:/.test(error.stderr));
    assert.deepEqual(await userIds(), before);
  });

  it('--dry-run reports what a run would remove and removes nothing', async () => {
    const users = await userIds();
    const { stdout } = await cleanup('--testid', testid, '--dry-run');
    assert.match(stdout, new RegExp(`^testid ${testid}: would remove 3 accounts \\(1 guests\\), 1 rooms they owned`));
    assert.deepEqual(await userIds(), users);
    assert.ok((await roomIds()).has(rooms.ours));
  });

  it('--testid removes that run’s accounts, the rooms they own with everything in them, and their messages elsewhere', async () => {
    const inOurRoom = (await rows<{ n: number }>('SELECT COUNT(*) AS n FROM messages WHERE room_id = ?', [rooms.ours]))[0].n;
    const oursIds = ours.map((session) => session.user.id);
    const { stdout } = await cleanup('--testid', testid);
    assert.equal(
      stdout.trim(),
      `testid ${testid}: removed 3 accounts (1 guests), 1 rooms they owned (with ${inOurRoom} messages), 1 messages they sent in other rooms`,
    );

    const users = await userIds();
    for (const id of oursIds) assert.ok(!users.has(id), `user ${id} is still there`);
    for (const session of [...theirs, ...bystanders]) assert.ok(users.has(session.user.id), `${session.user.nickname} was removed`);
    for (const demo of [1, 2, 3, 4]) assert.ok(users.has(demo), `demo user ${demo} was removed`);
    const left = await roomIds();
    assert.ok(!left.has(rooms.ours));
    assert.ok(left.has(rooms.theirs) && left.has(rooms.bystanders) && left.has(1));
    assert.deepEqual(await rows('SELECT room_id FROM room_members WHERE room_id = ? OR user_id IN (?)', [rooms.ours, oursIds]), []);
    assert.deepEqual(await rows('SELECT id FROM messages WHERE room_id = ? OR sender_id IN (?)', [rooms.ours, oursIds]), []);
    const bookClub = await rows<{ content: string }>("SELECT content FROM messages WHERE room_id = ? AND type = 'chat' ORDER BY seq", [
      rooms.bystanders,
    ]);
    assert.deepEqual(
      bookClub.map((row) => row.content),
      ['welcome', 'from the other run'],
    );
  });

  it('--all removes every load-test account and guest, and no one else', async () => {
    const { stdout } = await cleanup('--all');
    assert.match(stdout, /^every load-test run: removed 2 accounts \(1 guests\), 1 rooms they owned/);
    const users = await userIds();
    for (const session of theirs) assert.ok(!users.has(session.user.id), `${session.user.nickname} is still there`);
    for (const session of bystanders) assert.ok(users.has(session.user.id), `${session.user.nickname} was removed`);
    assert.ok(!(await roomIds()).has(rooms.theirs));
    assert.ok((await roomIds()).has(rooms.bystanders));
    const again = await cleanup('--all');
    assert.match(again.stdout, /removed 0 accounts/);
  });
});
