import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import { type HistoryPage, type ReadyEvent, type Session } from '@chat/contracts';
import { api, type ChatClient, connect, createRoom, login, nextEvent, registerUser, request } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/**
 * Moderation, presence, typing and revocation, each seen from a socket on the other replica
 * than the one that acted: the effects must travel through the Redis adapter.
 */
describe('moderation and presence across replicas', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });

  /** Opens a socket, on a replica other than `avoid` when given (nginx balances least-connected). */
  async function open(session: Session, avoid?: string): Promise<{ socket: ChatClient; ready: ReadyEvent }> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const client = await t.connect(session.access_token);
      if (!avoid || client.ready.replica !== avoid) return client;
      client.socket.close();
    }
    throw new Error(`every socket landed on ${avoid}`);
  }

  /** An owner with a socket in a fresh room, and a member with a socket in it on the other replica. */
  async function roomWithMember() {
    const owner = await registerUser(t.url);
    const member = await registerUser(t.url);
    const room = await createRoom(t.url, owner, { invitedUserIds: [member.user.id] });
    const ownerSocket = await open(owner);
    const memberSocket = await open(member, ownerSocket.ready.replica);
    for (const { socket } of [ownerSocket, memberSocket]) assert.equal((await request(socket, 'join_room', room)).ok, true);
    return { owner, member, room, ownerSocket: ownerSocket.socket, memberSocket: memberSocket.socket };
  }

  const membership = async (room: number, userId: number) => {
    const [rows] = await t.db.query<RowDataPacket[]>('SELECT * FROM room_members WHERE room_id = ? AND user_id = ?', [room, userId]);
    return rows[0];
  };

  it('kick: the member gets `kicked` on the other replica, stops receiving the room, and their membership is gone', async () => {
    const { owner, member, room, ownerSocket, memberSocket } = await roomWithMember();
    const kicked = nextEvent(memberSocket, 'kicked');
    const notice = nextEvent(ownerSocket, 'notice', (n) => n.kind === 'kick');
    const ack = await request(ownerSocket, 'kick_user', { room, userId: member.user.id, reason: 'spam' });
    assert.deepEqual(ack, { ok: true, data: {} });
    assert.deepEqual(await kicked, { roomId: room, reason: 'spam' });
    assert.equal((await notice).userId, member.user.id);
    assert.equal(await membership(room, member.user.id), undefined);

    // The kicked socket no longer receives the room; the owner's own socket still does.
    let leaked = false;
    memberSocket.on('message', (m) => (leaked ||= m.roomId === room && m.content === 'after the kick'));
    const seen = nextEvent(ownerSocket, 'message', (m) => m.content === 'after the kick');
    assert.equal((await request(ownerSocket, 'message', { room, msg: 'after the kick' })).ok, true);
    await seen;
    await sleep(300);
    assert.equal(leaked, false, 'a kicked socket received a message of the room');

    // And the kicked user can no longer send to, or read, the room.
    const refused = await request(memberSocket, 'message', { room, msg: 'still here?' });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, 'NOT_MEMBER');
    // The kick is a stored system message of the room.
    await eventually('the kick system message', async () => {
      const page = await api<HistoryPage>(t.url, 'GET', `/rooms/${room}/messages`, {
        token: owner.access_token,
      });
      return page.body.messages.some((m) => m.type === 'system' && m.content.includes('was removed by'));
    });
    assert.equal(
      (await api(t.url, 'GET', `/rooms/${room}/messages`, { token: member.access_token })).status,
      403,
      'a kicked member cannot read the room',
    );
  });

  it('ban: removes the member on every replica, refuses them everywhere, and is listed with its reason until lifted', async () => {
    const { owner, member, room, ownerSocket, memberSocket } = await roomWithMember();
    const kicked = nextEvent(memberSocket, 'kicked');
    const ban = await api(t.url, 'POST', `/rooms/${room}/bans`, {
      token: owner.access_token,
      body: { userId: member.user.id, reason: 'abuse' },
    });
    assert.equal(ban.status, 201, JSON.stringify(ban.body));
    assert.deepEqual(await kicked, { roomId: room, reason: 'abuse' });
    assert.equal(await membership(room, member.user.id), undefined);

    const rejoin = await api<{ code: string }>(t.url, 'POST', `/rooms/${room}/join`, { token: member.access_token });
    assert.equal(rejoin.status, 403);
    assert.equal(rejoin.body.code, 'BANNED');
    const send = await request(memberSocket, 'message', { room, msg: 'let me in' });
    assert.equal(!send.ok && send.error.code, 'BANNED');
    const joinRoom = await request(memberSocket, 'join_room', room);
    assert.equal(!joinRoom.ok && joinRoom.error.code, 'BANNED');

    const bans = await api<{ userId: number; reason: string }[]>(t.url, 'GET', `/rooms/${room}/bans`, { token: owner.access_token });
    assert.deepEqual(
      bans.body.map((b) => [b.userId, b.reason]),
      [[member.user.id, 'abuse']],
    );
    assert.equal((await api(t.url, 'DELETE', `/rooms/${room}/bans/${member.user.id}`, { token: owner.access_token })).status, 204);
    assert.equal((await api(t.url, 'POST', `/rooms/${room}/join`, { token: member.access_token })).status, 201);
    void ownerSocket;
  });

  it('mute: a muted member is refused with MUTED (no seq taken), everyone is told, and unmuting restores sending', async () => {
    const { owner, member, room, ownerSocket, memberSocket } = await roomWithMember();
    const muteNotice = nextEvent(memberSocket, 'notice', (n) => n.kind === 'mute');
    const mute = await request(ownerSocket, 'mute_user', { room, userId: member.user.id, muted: true, minutes: 5 });
    assert.deepEqual(mute, { ok: true, data: {} });
    assert.equal((await muteNotice).userId, member.user.id);
    const row = await membership(room, member.user.id);
    assert.ok(row && (row.muted_until as Date).getTime() > Date.now() + 4 * 60_000, 'muted for about five minutes');

    const before = await request(ownerSocket, 'join_room', room);
    assert.ok(before.ok);
    const refused = await request(memberSocket, 'message', { room, msg: 'muted?' });
    assert.equal(!refused.ok && refused.error.code, 'MUTED');
    const members = await api<{ userId: number; muted: boolean }[]>(t.url, 'GET', `/rooms/${room}/members`, { token: member.access_token });
    assert.equal(members.body.find((m) => m.userId === member.user.id)?.muted, true);

    const unmute = await api(t.url, 'PATCH', `/rooms/${room}/members/${member.user.id}`, {
      token: owner.access_token,
      body: { muted: false },
    });
    assert.equal(unmute.status, 200, JSON.stringify(unmute.body));
    const sent = await request(memberSocket, 'message', { room, msg: 'unmuted' });
    assert.ok(sent.ok, JSON.stringify(sent));
    // The refused send took no seq: this one follows the last seq the owner saw on joining.
    assert.equal(sent.data.seq, before.data.lastSeq + 1);
  });

  it('moderators cannot act on the owner, and admins cannot act on each other', async () => {
    const owner = await registerUser(t.url);
    const [adminA, adminB] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { invitedUserIds: [adminA.user.id, adminB.user.id] });
    for (const admin of [adminA, adminB]) {
      const promoted = await api(t.url, 'PATCH', `/rooms/${room}/members/${admin.user.id}`, {
        token: owner.access_token,
        body: { role: 'admin' },
      });
      assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    }
    const onOwner = await api<{ code: string }>(t.url, 'DELETE', `/rooms/${room}/members/${owner.user.id}`, { token: adminA.access_token });
    assert.equal(onOwner.body.code, 'FORBIDDEN');
    const onAdmin = await api<{ code: string }>(t.url, 'POST', `/rooms/${room}/bans`, {
      token: adminA.access_token,
      body: { userId: adminB.user.id },
    });
    assert.equal(onAdmin.body.code, 'FORBIDDEN');
    assert.ok(await membership(room, adminB.user.id), 'the other admin is still a member');
  });

  it('presence: online with the first socket anywhere, offline after the last one closes (two tabs on two replicas)', async () => {
    const watcher = await registerUser(t.url);
    const user = await registerUser(t.url);
    const room = await createRoom(t.url, watcher, { invitedUserIds: [user.user.id] });
    const watching = await open(watcher);
    assert.ok((await request(watching.socket, 'join_room', room)).ok);

    const online = nextEvent(watching.socket, 'presence', (p) => p.userId === user.user.id && p.online);
    const tab1 = await open(user);
    assert.deepEqual(await online, { roomId: room, userId: user.user.id, online: true });
    const tab2 = await open(user, tab1.ready.replica);
    const isOnline = async () => {
      const members = await api<{ userId: number; online: boolean }[]>(t.url, 'GET', `/rooms/${room}/members`, {
        token: watcher.access_token,
      });
      return members.body.find((m) => m.userId === user.user.id)?.online;
    };
    assert.equal(await isOnline(), true);

    // Closing one tab changes nothing; closing the last one (on the other replica) goes offline.
    let offlineTooSoon = false;
    const early = (p: { userId: number; online: boolean }) => (offlineTooSoon ||= p.userId === user.user.id && !p.online);
    watching.socket.on('presence', early);
    tab1.socket.close();
    await sleep(500);
    watching.socket.off('presence', early);
    assert.equal(offlineTooSoon, false, 'went offline while a tab was still open');
    assert.equal(await isOnline(), true);
    const offline = nextEvent(watching.socket, 'presence', (p) => p.userId === user.user.id && !p.online);
    tab2.socket.close();
    await offline;
    assert.equal(await isOnline(), false);
  });

  it('typing: relayed to the room on the other replica, not echoed to the typist', async () => {
    const { member, room, ownerSocket, memberSocket } = await roomWithMember();
    let echoed = false;
    memberSocket.on('typing', () => (echoed = true));
    const seen = nextEvent(ownerSocket, 'typing');
    assert.deepEqual(await request(memberSocket, 'typing', { room, typing: true }), { ok: true, data: {} });
    assert.deepEqual(await seen, { roomId: room, userId: member.user.id, nickname: member.user.nickname, typing: true });
    await sleep(200);
    assert.equal(echoed, false);
  });

  it('logout: the token stops working over HTTP and its sockets on every replica are disconnected; other sessions live on', async () => {
    const user = await registerUser(t.url);
    const other = await login(t.url, user.user.email!, 'correct horse battery');
    const first = await open(user);
    const second = await open(user, first.ready.replica);
    const survivor = await open(other);
    const closed = [first, second].map(({ socket }) => new Promise((done) => socket.once('disconnect', done)));

    assert.equal((await api(t.url, 'POST', '/auth/logout', { token: user.access_token })).status, 204);
    await Promise.all(closed);
    const me = await api<{ code: string }>(t.url, 'GET', '/auth/me', { token: user.access_token });
    assert.equal(me.status, 401);
    assert.equal(me.body.code, 'UNAUTHORIZED');
    await assert.rejects(connect(t.url, user.access_token), /unauthorized/);
    assert.equal(survivor.socket.connected, true);
    assert.equal((await api(t.url, 'GET', '/auth/me', { token: other.access_token })).status, 200);
  });

  it('site ban: every socket of the user is disconnected, tokens and logins are refused, until the ban is lifted', async () => {
    const admin = await login(t.url, 'admin@test.com');
    const user = await registerUser(t.url);
    const sockets = [await open(user), await open(user)];
    const closed = sockets.map(({ socket }) => new Promise((done) => socket.once('disconnect', done)));

    const ban = await api<{ banned: boolean; banReason: string }>(t.url, 'PATCH', `/users/${user.user.id}/ban`, {
      token: admin.access_token,
      body: { banned: true, reason: 'spam' },
    });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    assert.deepEqual([ban.body.banned, ban.body.banReason], [true, 'spam']);
    await Promise.all(closed);
    assert.equal((await api(t.url, 'GET', '/auth/me', { token: user.access_token })).status, 401);
    const refused = await api<{ code: string; message: string }>(t.url, 'POST', '/auth/login', {
      body: { email: user.user.email, password: 'correct horse battery' },
    });
    assert.equal(refused.body.code, 'BANNED');
    assert.match(refused.body.message, /spam/);

    const unban = await api(t.url, 'PATCH', `/users/${user.user.id}/ban`, { token: admin.access_token, body: { banned: false } });
    assert.equal(unban.status, 200);
    const again = await login(t.url, user.user.email!, 'correct horse battery');
    assert.ok((await open(again)).socket.connected);
  });

  it('a revoked token stops working on a socket whose disconnect never arrived (per-event check)', async () => {
    const user = await registerUser(t.url);
    const room = await createRoom(t.url, user);
    const { socket } = await open(user);
    // Revoke in Redis directly, as if the disconnect broadcast had been lost.
    const redis = t.redis();
    const claims = JSON.parse(Buffer.from(user.access_token.split('.')[1], 'base64url').toString()) as { jti: string };
    await redis.set(t.keys.revokedToken(claims.jti), '1', 'EX', 60);
    redis.disconnect();
    const refused = await request(socket, 'join_room', room);
    assert.equal(!refused.ok && refused.error.code, 'UNAUTHORIZED');
    assert.equal(socket.connected, true, 'the socket stays connected; only its events are refused');
  });
});
