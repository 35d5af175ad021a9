import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import type { DirectoryRoom, HistoryPage, MyRoomView, Page, RoomDetails, Session } from '@chat/contracts';
import { parseCounter } from './bench/metrics';
import { api, createRoom, nextEvent, registerUser, request, send, socketIn } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/** Rooms, invites, history, read markers and deletion through nginx, against MariaDB. */
describe('rooms and messages', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });

  const get = <T>(session: Session, path: string) => api<T>(t.url, 'GET', path, { token: session.access_token });
  const post = <T>(session: Session, path: string, body?: unknown) => api<T>(t.url, 'POST', path, { token: session.access_token, body });

  /** Waits until the worker has written every message of the room up to `seq` (jobs complete in any order). */
  const persisted = (room: number, seq: number) =>
    eventually(`room ${room} persisted up to ${seq}`, async () => {
      const [[row]] = await t.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM messages WHERE room_id = ? AND seq <= ?', [room, seq]);
      return Number(row?.n) >= seq;
    });

  it('invites several users at once; invitees see only what was sent after their invitation', async () => {
    const owner = await registerUser(t.url);
    const [early, late1, late2] = await Promise.all([registerUser(t.url), registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { isPrivate: true, invitedUserIds: [early.user.id] });
    const socket = await socketIn(t, owner, room);
    const before = await send(socket, room, 'before the invitation');

    const invite = await post<{ added: number[]; alreadyMembers: number[] }>(owner, `/rooms/${room}/invites`, {
      userIds: [late1.user.id, late2.user.id, early.user.id],
    });
    assert.equal(invite.status, 201, JSON.stringify(invite.body));
    assert.deepEqual(invite.body, { added: [late1.user.id, late2.user.id], alreadyMembers: [early.user.id] });
    const afterInvite = await send(socket, room, 'after the invitation');
    await persisted(room, afterInvite.seq);

    const seenBy = async (session: Session) =>
      (await get<HistoryPage>(session, `/rooms/${room}/messages`)).body.messages.map((m) => m.content);
    assert.ok((await seenBy(early)).includes('before the invitation'));
    for (const late of [late1, late2]) {
      const contents = await seenBy(late);
      assert.ok(contents.includes('after the invitation'), JSON.stringify(contents));
      assert.ok(!contents.includes('before the invitation'), 'an invitee saw a message from before their invitation');
      const sync = await request(await socketIn(t, late, room), 'sync', { room, afterSeq: 0 });
      assert.ok(sync.ok && sync.data.messages.every((m) => m.seq > before.seq), 'sync leaked older messages');
    }
    // The invitation itself is a stored system message.
    assert.ok((await seenBy(owner)).some((c) => c.includes('invited')));
    // A private room is not in the directory and refuses outsiders.
    const outsider = await registerUser(t.url);
    assert.equal((await get<{ code: string }>(outsider, `/rooms/${room}`)).body.code, 'NOT_MEMBER');
    assert.equal((await post<{ code: string }>(outsider, `/rooms/${room}/join`)).body.code, 'FORBIDDEN');
  });

  it('pages history newest first with before=, catches up oldest first with after=, and ends with nextCursor null', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const socket = await socketIn(t, owner, room);
    const seqs: number[] = [];
    for (let i = 0; i < 7; i++) seqs.push((await send(socket, room, `m${i}`)).seq);
    await persisted(room, seqs.at(-1)!);

    const newest = await get<HistoryPage>(owner, `/rooms/${room}/messages?limit=3`);
    assert.deepEqual(
      newest.body.messages.map((m) => m.content),
      ['m6', 'm5', 'm4'],
    );
    const back = await get<HistoryPage>(owner, `/rooms/${room}/messages?limit=3&before=${newest.body.nextCursor}`);
    assert.deepEqual(
      back.body.messages.map((m) => m.content),
      ['m3', 'm2', 'm1'],
    );
    const last = await get<HistoryPage>(owner, `/rooms/${room}/messages?limit=3&before=${back.body.nextCursor}`);
    assert.deepEqual([last.body.messages.map((m) => m.content), last.body.nextCursor], [['m0'], null]);
    const caughtUp = await get<HistoryPage>(owner, `/rooms/${room}/messages?after=${seqs[4]}`);
    assert.deepEqual([caughtUp.body.messages.map((m) => m.content), caughtUp.body.nextCursor], [['m5', 'm6'], null]);
    const bad = await get<{ code: string }>(owner, `/rooms/${room}/messages?limit=1000`);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
  });

  it('GET /rooms/mine: last message, unread counts that follow read markers, newest activity first, in a bounded number of queries', async () => {
    const me = await registerUser(t.url);
    const friend = await registerUser(t.url);
    const quiet = await createRoom(t.url, friend, { invitedUserIds: [me.user.id] });
    const busy = await createRoom(t.url, friend, { invitedUserIds: [me.user.id], name: undefined });
    const friendSocket = await socketIn(t, friend, busy);
    for (const text of ['one', 'two', 'three']) await send(friendSocket, busy, text);
    const mySocket = await socketIn(t, me, busy);
    const mine = await send(mySocket, busy, 'my own');
    await persisted(busy, mine.seq);

    let rooms = (await get<MyRoomView[]>(me, '/rooms/mine')).body;
    assert.deepEqual(
      rooms.map((r) => r.id),
      [busy, quiet],
    );
    assert.equal(rooms[0].lastMessage, 'my own');
    assert.equal(rooms[0].unreadCount, 3, 'three by the friend; my own and system messages do not count');
    assert.equal(rooms[1].unreadCount, 0);
    assert.equal(rooms[0].name, friend.user.nickname, "an unnamed room is named after the other members' nicknames");
    assert.equal(rooms[0].isNameGenerated, true);

    assert.deepEqual(await request(mySocket, 'read', { room: busy, seq: mine.seq - 2 }), { ok: true, data: {} });
    rooms = (await get<MyRoomView[]>(me, '/rooms/mine')).body;
    assert.equal(rooms[0].unreadCount, 1);
    const read = await post<{ lastReadSeq: number }>(me, `/rooms/${busy}/read`, { seq: 1_000_000 });
    assert.equal(read.body.lastReadSeq, mine.seq, 'a read marker never passes the last message');
    assert.equal((await get<MyRoomView[]>(me, '/rooms/mine')).body[0].unreadCount, 0);

    // The statement count of one GET /rooms/mine on one replica does not grow with the number of rooms.
    const replica = `http://127.0.0.1:${t.cluster.replicas[0].port}`;
    const { metricsUrl } = t.cluster.replicas[0];
    const statementsFor = async () => {
      const count = async () => Number(parseCounter(await (await fetch(metricsUrl)).text(), 'chat_db_queries_total'));
      const before = await count();
      const response = await api<MyRoomView[]>(replica, 'GET', '/rooms/mine', { token: me.access_token });
      assert.equal(response.status, 200);
      return { statements: (await count()) - before, rooms: response.body.length };
    };
    const few = await statementsFor();
    for (let i = 0; i < 20; i++)
      await createRoom(t.url, me, i % 2 === 0 ? { name: `room ${i}` } : { name: undefined, invitedUserIds: [friend.user.id] });
    const many = await statementsFor();
    assert.equal(many.rooms, few.rooms + 20);
    assert.equal(
      many.statements,
      few.statements,
      `${few.statements} statements for ${few.rooms} rooms, ${many.statements} for ${many.rooms}`,
    );
    assert.ok(many.statements <= 2, `${many.statements} statements`);
  });

  it('directory: public rooms only, searchable, cursor-paginated; GET /rooms/:id for anyone on a public room', async () => {
    const owner = await registerUser(t.url);
    const tag = `dir${Date.now().toString(36)}`;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await createRoom(t.url, owner, { name: `${tag} public ${i}` }));
    await createRoom(t.url, owner, { name: `${tag} private`, isPrivate: true });
    const stranger = await registerUser(t.url);

    const first = await get<Page<DirectoryRoom>>(stranger, `/rooms?q=${tag}&limit=2`);
    assert.deepEqual(
      first.body.items.map((r) => r.id),
      [ids[2], ids[1]],
    );
    const second = await get<Page<DirectoryRoom>>(stranger, `/rooms?q=${tag}&limit=2&cursor=${first.body.nextCursor}`);
    assert.deepEqual([second.body.items.map((r) => r.id), second.body.nextCursor], [[ids[0]], null]);
    assert.equal(second.body.items[0].memberCount, 1);
    const details = await get<RoomDetails>(stranger, `/rooms/${ids[0]}`);
    assert.deepEqual([details.status, details.body.myRole, details.body.memberCount], [200, null, 1]);
  });

  it('rename, leave (the owner hands over), delete (members told `room_deleted`, even without joining the socket room)', async () => {
    const owner = await registerUser(t.url);
    const [admin, member] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { invitedUserIds: [admin.user.id, member.user.id] });
    await api(t.url, 'PATCH', `/rooms/${room}/members/${admin.user.id}`, { token: owner.access_token, body: { role: 'admin' } });
    const renamed = await api<{ name: string }>(t.url, 'PATCH', `/rooms/${room}`, { token: admin.access_token, body: { name: 'Renamed' } });
    assert.deepEqual([renamed.status, renamed.body.name], [200, 'Renamed']);

    const memberSocket = await socketIn(t, member, room);
    const leftNotice = nextEvent(memberSocket, 'notice', (n) => n.kind === 'leave');
    assert.equal((await post(owner, `/rooms/${room}/leave`)).status, 204);
    assert.equal((await leftNotice).userId, owner.user.id);
    const details = await get<RoomDetails>(admin, `/rooms/${room}`);
    assert.deepEqual([details.body.ownerId, details.body.myRole], [admin.user.id, 'owner'], 'the senior admin became owner');

    // A member with a socket that never joined the room is told too.
    const { socket: lobby } = await t.connect(member.access_token);
    const deleted = [nextEvent(memberSocket, 'room_deleted'), nextEvent(lobby, 'room_deleted')];
    assert.equal((await api(t.url, 'DELETE', `/rooms/${room}`, { token: admin.access_token })).status, 204);
    for (const event of await Promise.all(deleted)) assert.deepEqual(event, { roomId: room });
    assert.equal((await get<{ code: string }>(member, `/rooms/${room}`)).body.code, 'NOT_FOUND');
    const send = await request(memberSocket, 'message', { room, msg: 'anyone?' });
    assert.equal(!send.ok && send.error.code, 'NOT_FOUND');
    assert.ok(!(await get<MyRoomView[]>(member, '/rooms/mine')).body.some((r) => r.id === room));
  });

  it('delete a message: `message_deleted` is broadcast, history drops it, and the room preview falls back', async () => {
    const owner = await registerUser(t.url);
    const member = await registerUser(t.url);
    const room = await createRoom(t.url, owner, { invitedUserIds: [member.user.id] });
    const ownerSocket = await socketIn(t, owner, room);
    const memberSocket = await socketIn(t, member, room);
    await send(ownerSocket, room, 'keep me');
    const doomed = await send(memberSocket, room, 'delete me');
    await persisted(room, doomed.seq);

    const other = await registerUser(t.url);
    const refused = await api<{ code: string }>(t.url, 'DELETE', `/messages/${doomed.id}`, { token: other.access_token });
    assert.equal(refused.body.code, 'NOT_MEMBER');
    const told = nextEvent(ownerSocket, 'message_deleted');
    assert.deepEqual(await request(memberSocket, 'delete_message', { id: doomed.id }), { ok: true, data: {} });
    assert.deepEqual(await told, { id: doomed.id, roomId: room, seq: doomed.seq });
    const history = await get<HistoryPage>(owner, `/rooms/${room}/messages`);
    assert.ok(!history.body.messages.some((m) => m.id === doomed.id));
    const [[row]] = await t.db.query<RowDataPacket[]>('SELECT last_message FROM rooms WHERE id = ?', [room]);
    assert.equal(row?.last_message, 'keep me');
    const again = await api<{ code: string }>(t.url, 'DELETE', `/messages/${doomed.id}`, { token: owner.access_token });
    assert.equal(again.body.code, 'NOT_FOUND');
  });

  it('rate limits hold per user across replicas: a burst beyond the allowance gets RATE_LIMITED, and refused sends take no seq', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    // Two sockets of one user on (most likely) both replicas share one allowance.
    const sockets = [await socketIn(t, owner, room), await socketIn(t, owner, room)];
    const acks = await Promise.all(Array.from({ length: 45 }, (_, i) => request(sockets[i % 2], 'message', { room, msg: `burst ${i}` })));
    const accepted = acks.flatMap((a) => (a.ok ? [a.data.seq] : []));
    const limited = acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED');
    assert.equal(accepted.length + limited.length, 45, JSON.stringify(acks.filter((a) => !a.ok)));
    // The default allowance is 10/s with bursts of 20; the burst may straddle one refill of the 1 s window.
    assert.ok(accepted.length >= 20 && accepted.length <= 30, `${accepted.length} accepted`);
    const sorted = [...accepted].sort((a, b) => a - b);
    assert.deepEqual(
      sorted,
      Array.from({ length: sorted.length }, (_, i) => sorted[0] + i),
      'accepted sends have contiguous seqs',
    );
  });

  it('login attempts are limited per account and per IP: 429 RATE_LIMITED with Retry-After', async () => {
    const attempt = (email: string, ip: string) =>
      fetch(`${t.url}/auth/login`, {
        method: 'POST',
        // The test client is on loopback, which the gateway trusts as a proxy, so it may name the client IP.
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ email, password: 'wrong password' }),
      });
    const account = `limited-${Date.now()}@example.test`;
    const byAccount = [];
    for (let i = 0; i < 11; i++) byAccount.push(await attempt(account, `198.51.100.${i + 1}`));
    assert.deepEqual(
      byAccount.map((r) => r.status),
      [...Array<number>(10).fill(401), 429],
    );
    const limited = byAccount.at(-1)!;
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(((await limited.json()) as { code: string }).code, 'RATE_LIMITED');

    const byIp = [];
    for (let i = 0; i < 11; i++) byIp.push((await attempt(`ip-${i}-${Date.now()}@example.test`, '203.0.113.77')).status);
    assert.equal(byIp.at(-1), 429);
  });

  it('a retry with the same clientMsgId, on any replica or over REST, returns the first ack and stores one message', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const sockets = [await socketIn(t, owner, room), await socketIn(t, owner, room)];
    const clientMsgId = `retry-${Date.now()}`;
    const acks = await Promise.all(sockets.map((socket) => request(socket, 'message', { room, msg: 'once', clientMsgId })));
    const rest = await post<{ id: string; seq: number }>(owner, `/rooms/${room}/messages`, { content: 'once', clientMsgId });
    const first = acks[0];
    assert.ok(first?.ok, JSON.stringify(first));
    for (const again of [...acks.slice(1), { ok: true as const, data: rest.body }]) assert.deepEqual(again.ok && again.data, first.data);
    const next = await send(sockets[0], room, 'next');
    assert.equal(next.seq, first.data.seq + 1, 'a retry takes no seq');
    await persisted(room, next.seq);
    const [rows] = await t.db.query<RowDataPacket[]>('SELECT id FROM messages WHERE room_id = ? AND client_msg_id = ?', [
      room,
      clientMsgId,
    ]);
    assert.equal(rows.length, 1);
    const reuse = await request(sockets[0], 'message', { room: await createRoom(t.url, owner), msg: 'elsewhere', clientMsgId });
    if (process.env.TEST_REDIS === 'cluster') {
      // There the record lives in the room's slot (docs/EVENTS.md): another room's is a new message.
      assert.ok(reuse.ok && reuse.data.id !== first.data.id, JSON.stringify(reuse));
    } else {
      assert.equal(!reuse.ok && reuse.error.code, 'CONFLICT');
    }
  });
});
