import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import type { InviteResult, MessageAccepted, MyRoomView, Session } from '@chat/contracts';
import { type ChatClient, request } from './support/clients';
import { useCluster } from './support/fixture';
import { AddressClient, http, PRODUCTION_LIMITS, registerFromFreshAddress } from './support/source-address';
import { eventually } from './support/wait';

/**
 * The security review's findings on rooms (H3, M3, M5), against a cluster with the production
 * limits. Users sign up from loopback addresses of their own (registration is limited per IP).
 */
describe('security: rooms, bans and invitations', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2, env: PRODUCTION_LIMITS });

  const users = (count: number) => Promise.all(Array.from({ length: count }, () => registerFromFreshAddress(t.url)));
  const call = <T = { code: string }>(session: Session | undefined, method: string, path: string, body?: unknown) =>
    http<T>(t.url, method, path, { token: session?.access_token, body });
  async function room(owner: Session, body: { isPrivate?: boolean; invitedUserIds?: number[] } = {}): Promise<number> {
    const created = await call<{ id: number }>(owner, 'POST', '/rooms', { name: `security ${randomUUID().slice(0, 8)}`, ...body });
    assert.equal(created.status, 201, created.text);
    return created.body.id;
  }
  async function open(session: Session): Promise<ChatClient> {
    const { socket } = await t.connect(session.access_token);
    return socket;
  }
  const isMember = async (roomId: number, userId: number) => {
    const [rows] = await t.db.query<RowDataPacket[]>('SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?', [roomId, userId]);
    return rows.length > 0;
  };
  const refusedWith = (response: { status: number; text: string; body: unknown }, status: number, code: string, what: string) => {
    assert.equal(response.status, status, `${what}: ${response.status} ${response.text}`);
    assert.equal((response.body as { code?: string }).code, code, `${what}: ${response.text}`);
  };

  it('H3: an invite skips users banned from the room, reports them as `banned`, and the banned user still cannot post or join', async () => {
    const [owner, member, banned] = await users(3);
    const roomId = await room(owner, { invitedUserIds: [member.user.id, banned.user.id] });
    const ban = await call(owner, 'POST', `/rooms/${roomId}/bans`, { userId: banned.user.id, reason: 'H3' });
    assert.equal(ban.status, 201, ban.text);

    const invite = await call<InviteResult>(member, 'POST', `/rooms/${roomId}/invites`, { userIds: [banned.user.id] });
    assert.equal(invite.status, 201, invite.text);
    assert.deepEqual(invite.body, { added: [], alreadyMembers: [], banned: [banned.user.id] });
    assert.equal(await isMember(roomId, banned.user.id), false, 'the banned user was made a member');

    refusedWith(await call(banned, 'POST', `/rooms/${roomId}/messages`, { content: 'back again' }), 403, 'BANNED', 'post');
    refusedWith(await call(banned, 'POST', `/rooms/${roomId}/join`), 403, 'BANNED', 'join');
    const bans = await call<{ userId: number }[]>(owner, 'GET', `/rooms/${roomId}/bans`);
    assert.deepEqual(
      bans.body.map((b) => b.userId),
      [banned.user.id],
    );
  });

  it('H3: a banned user who somehow holds a membership can do nothing in the room but see a public room’s details', async () => {
    const [owner, banned] = await users(2);
    const roomId = await room(owner, { invitedUserIds: [banned.user.id] });
    const ban = await call(owner, 'POST', `/rooms/${roomId}/bans`, { userId: banned.user.id });
    assert.equal(ban.status, 201, ban.text);
    // The membership a bug (like the invite above) would leave behind.
    await t.db.query("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, 'member', UTC_TIMESTAMP(3))", [
      roomId,
      banned.user.id,
    ]);

    const observer = await open(owner);
    assert.equal((await request(observer, 'join_room', roomId)).ok, true);
    let leaked = 0;
    observer.on('typing', (event) => (leaked += event.userId === banned.user.id ? 1 : 0));
    observer.on('message', (message) => (leaked += message.sender?.id === banned.user.id ? 1 : 0));

    refusedWith(await call(banned, 'POST', `/rooms/${roomId}/messages`, { content: 'still here' }), 403, 'BANNED', 'REST send');
    refusedWith(await call(banned, 'GET', `/rooms/${roomId}/messages`), 403, 'BANNED', 'history');
    refusedWith(await call(banned, 'POST', `/rooms/${roomId}/read`, { seq: 0 }), 403, 'BANNED', 'REST read');

    const socket = await open(banned);
    const acks = {
      join_room: await request(socket, 'join_room', roomId),
      message: await request(socket, 'message', { room: roomId, msg: 'still here' }),
      typing: await request(socket, 'typing', { room: roomId, typing: true }),
      sync: await request(socket, 'sync', { room: roomId, afterSeq: 0 }),
      read: await request(socket, 'read', { room: roomId, seq: 0 }),
    };
    for (const [event, ack] of Object.entries(acks)) {
      assert.equal(ack.ok, false, `socket ${event} was accepted`);
      // Typing is checked against the socket's rooms: join_room was refused, so it is outside the room.
      const codes = event === 'typing' ? ['BANNED', 'NOT_MEMBER'] : ['BANNED'];
      assert.ok(codes.includes(ack.ok ? '' : ack.error.code), `socket ${event}: ${JSON.stringify(ack)}`);
    }
    await sleep(300);
    assert.equal(leaked, 0, 'the observer received typing or a message from the banned user');

    const details = await call<{ id: number }>(banned, 'GET', `/rooms/${roomId}`);
    assert.equal(details.status, 200, `a public room's details: ${details.text}`);
    assert.equal(details.body.id, roomId);
  });

  describe('M3: forced membership', () => {
    it('M3: a guest may not create a room with invited users, nor invite anyone into its own room', async () => {
      const [victim] = await users(1);
      const guest = await new AddressClient(t.url).guest();
      const forced = await call(guest, 'POST', '/rooms', { name: 'FREE PRIZE', invitedUserIds: [victim.user.id] });
      refusedWith(forced, 403, 'FORBIDDEN', 'a guest creating a room with invitedUserIds');

      const own = await room(guest);
      refusedWith(await call(guest, 'POST', `/rooms/${own}/invites`, { userIds: [victim.user.id] }), 403, 'FORBIDDEN', 'a guest inviting');
      assert.equal(await isMember(own, victim.user.id), false);
      const mine = await call<MyRoomView[]>(victim, 'GET', '/rooms/mine');
      assert.deepEqual(mine.body, [], 'the victim was put in a room');
    });

    it('M3: the 11th room action (create, invite, join, leave) of a user within a minute is refused with Retry-After', async () => {
      const [actor, other, invitee1, invitee2] = await users(4);
      const [publicA, publicB] = [await room(other), await room(other)];
      const created = [await room(actor), await room(actor), await room(actor), await room(actor)];
      const actions = [
        await call(actor, 'POST', `/rooms/${created[0]}/invites`, { userIds: [invitee1.user.id] }),
        await call(actor, 'POST', `/rooms/${created[1]}/invites`, { userIds: [invitee2.user.id] }),
        await call(actor, 'POST', `/rooms/${publicA}/join`),
        await call(actor, 'POST', `/rooms/${publicB}/join`),
        await call(actor, 'POST', `/rooms/${publicA}/leave`),
        await call(actor, 'POST', `/rooms/${publicB}/leave`),
      ];
      for (const [i, action] of actions.entries()) assert.ok(action.status < 300, `action ${i + 5} of 10: ${action.status} ${action.text}`);

      const beyond = {
        create: await call(actor, 'POST', '/rooms', { name: 'one too many' }),
        invite: await call(actor, 'POST', `/rooms/${created[2]}/invites`, { userIds: [invitee1.user.id] }),
        join: await call(actor, 'POST', `/rooms/${publicA}/join`),
        leave: await call(actor, 'POST', `/rooms/${created[3]}/leave`),
      };
      for (const [kind, response] of Object.entries(beyond)) {
        refusedWith(response, 429, 'RATE_LIMITED', `an 11th action (${kind})`);
        assert.ok(Number(response.headers['retry-after']) > 0, `${kind}: Retry-After is set`);
      }
      assert.equal(await isMember(created[2], invitee1.user.id), false);
      // The limit is the actor's alone.
      await room(other);
    });

    it('M3: GET /rooms/mine is an array in pages (limit ≤ 100, X-Next-Cursor, Link rel="next") that together hold every room', async () => {
      const [user] = await users(1);
      const ids = new Set<number>();
      for (let i = 0; i < 5; i++) ids.add(await room(user));

      const seen: number[] = [];
      let path = '/rooms/mine?limit=2';
      const sizes: number[] = [];
      for (let page = 0; page < 5; page++) {
        const response = await call<MyRoomView[]>(user, 'GET', path);
        assert.equal(response.status, 200, response.text);
        assert.ok(Array.isArray(response.body), 'the body stays an array');
        sizes.push(response.body.length);
        seen.push(...response.body.map((r) => r.id));
        const cursor = response.headers['x-next-cursor'];
        const link = response.headers.link;
        if (cursor === undefined) {
          assert.equal(link, undefined, 'no Link rel="next" on the last page');
          break;
        }
        assert.equal(typeof cursor, 'string');
        assert.match(String(link), /^<[^>]+>; rel="next"$/);
        const next = new URL(String(link).slice(1, String(link).indexOf('>')), t.url);
        assert.equal(next.searchParams.get('cursor'), cursor, 'Link names the same cursor');
        path = `/rooms/mine?limit=2&cursor=${encodeURIComponent(String(cursor))}`;
      }
      assert.deepEqual(sizes, [2, 2, 1]);
      assert.equal(new Set(seen).size, seen.length, `pages overlap: ${seen.join(', ')}`);
      assert.deepEqual(new Set(seen), ids);

      for (const bad of ['0', '101', '-1', 'x']) {
        refusedWith(await call(user, 'GET', `/rooms/mine?limit=${bad}`), 400, 'VALIDATION_FAILED', `limit=${bad}`);
      }
    });

    it('M3: GET /rooms/mine returns at most 100 rooms by default', async () => {
      const [user] = await users(1);
      // 105 memberships without 105 room actions: the rooms are written directly.
      const marker = `bulk ${randomUUID().slice(0, 8)}`;
      const values = Array.from({ length: 105 }, () => [marker, 0, user.user.id]);
      await t.db.query('INSERT INTO rooms (name, is_private, owner_id) VALUES ?', [values]);
      await t.db.query(
        "INSERT INTO room_members (room_id, user_id, role, joined_at) SELECT id, ?, 'owner', UTC_TIMESTAMP(3) FROM rooms WHERE name = ?",
        [user.user.id, marker],
      );
      const first = await call<MyRoomView[]>(user, 'GET', '/rooms/mine');
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.length, 100);
      const cursor = first.headers['x-next-cursor'];
      assert.ok(cursor, 'a next cursor after 100 rooms');
      const rest = await call<MyRoomView[]>(user, 'GET', `/rooms/mine?cursor=${encodeURIComponent(String(cursor))}`);
      assert.equal(rest.body.length, 5);
      assert.equal(rest.headers['x-next-cursor'], undefined);
      assert.equal(new Set([...first.body, ...rest.body].map((r) => r.id)).size, 105);
    });
  });
});

describe('security: join/leave system messages', { timeout: 120_000 }, () => {
  // Enough room actions for ten cycles: this checks the merge of the notes, not the action limit.
  const t = useCluster({ gateways: 1, env: { ...PRODUCTION_LIMITS, RATE_LIMIT_ROOM_ACTIONS_PER_MINUTE: '100' } });

  it('M5: ten join/leave cycles within a minute store at most two system messages of that user', async () => {
    const owner = await registerFromFreshAddress(t.url);
    const nickname = `looper${randomUUID().slice(0, 6)}`;
    const looper = await registerFromFreshAddress(t.url, { nickname });
    const call = (session: Session, method: string, path: string, body?: unknown) =>
      http<MessageAccepted>(t.url, method, path, { token: session.access_token, body });
    const created = await call(owner, 'POST', '/rooms', { name: 'M5' });
    assert.equal(created.status, 201, created.text);
    const roomId = (created.body as unknown as { id: number }).id;

    for (let cycle = 0; cycle < 10; cycle++) {
      const join = await call(looper, 'POST', `/rooms/${roomId}/join`);
      assert.equal(join.status, 201, `join ${cycle + 1}: ${join.text}`);
      const leave = await call(looper, 'POST', `/rooms/${roomId}/leave`);
      assert.equal(leave.status, 204, `leave ${cycle + 1}: ${leave.text}`);
    }
    // A last chat message: once it is stored, so is every message before it (a fresh room's seqs run 1..n).
    const last = await call(owner, 'POST', `/rooms/${roomId}/messages`, { content: 'after the loop' });
    assert.equal(last.status, 202, last.text);
    await eventually('the room to be persisted', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT COUNT(*) AS stored FROM messages WHERE room_id = ?', [roomId]);
      return Number(rows[0]?.stored) >= last.body.seq;
    });
    const [rows] = await t.db.query<RowDataPacket[]>(
      "SELECT content FROM messages WHERE room_id = ? AND type = 'system' AND content LIKE ? ORDER BY seq",
      [roomId, `%${nickname}%`],
    );
    const notes = rows.map((r) => String(r.content));
    process.stdout.write(`# M5: ${notes.length} stored system messages of the looping user: ${JSON.stringify(notes)}\n`);
    assert.ok(notes.length >= 1, 'the first join is stored');
    assert.ok(notes.length <= 2, `${notes.length} system messages stored for 10 join/leave cycles`);
  });
});
