import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { ContactView, ErrorBody, MemberView, MyRoomView, Page, ReceiptEvent, ReceiptView, RoomView, Session } from '@chat/contracts';
import { api, type ChatClient, connect, createRoom, nextEvent, registerUser, request, send } from './support/clients';
import { useCluster } from './support/fixture';
import { recordEvents, socketOnReplica } from './support/sockets';
import { eventually } from './support/wait';

/**
 * Live room state (API.md, v2 "Live room state"): what a client's room list, member list and
 * read receipts learn without asking, each change made on one replica (or over REST) and seen on
 * sockets of both; and the contacts and direct rooms built on shared rooms.
 */
describe('live room state across replicas', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });

  const call = <T>(session: Session, method: string, path: string, body?: unknown) =>
    api<T>(t.url, method, path, { token: session.access_token, body });
  const must = async <T>(session: Session, method: string, path: string, body?: unknown) => {
    const response = await call<T>(session, method, path, body);
    assert.ok(response.status >= 200 && response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  /** A socket of the user on each replica, neither joined to any room (a client's room list). */
  const bothReplicas = async (session: Session) => [await socketOnReplica(t, session, 0), await socketOnReplica(t, session, 1)];
  const tag = () => Math.random().toString(36).slice(2, 8);

  /** The `receipt` events for `userId`'s marker, with when each arrived. */
  const receiptsOf = (socket: ChatClient, userId: number) => {
    const seen: { receipt: ReceiptEvent; at: number }[] = [];
    socket.on('receipt', (receipt) => {
      if (receipt.userId === userId) seen.push({ receipt, at: Date.now() });
    });
    return seen;
  };
  /**
   * At most one receipt a window (1 s; half of it allowed for delivery jitter, where a throttle
   * that failed would send them milliseconds apart), each further than the last, ending with `last`.
   */
  const assertThrottled = (receipts: { receipt: ReceiptEvent; at: number }[], last: ReceiptEvent, context = '') => {
    const seen = JSON.stringify(receipts);
    assert.deepEqual(receipts.at(-1)?.receipt, last, `${context}the last receipt: ${seen}`);
    for (let i = 1; i < receipts.length; i++) {
      const [before, after] = [receipts[i - 1], receipts[i]];
      assert.ok(after.receipt.seq > before.receipt.seq, `${context}receipts move forward only: ${seen}`);
      assert.ok(after.at - before.at >= 500, `${context}two receipts ${after.at - before.at} ms apart: ${seen}`);
    }
  };

  it('room_updated: a rename and an owner change reach members on both replicas, joined to the room or not, and nobody else', async () => {
    const owner = await registerUser(t.url);
    const [admin, member, outsider] = await Promise.all([registerUser(t.url), registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { name: 'before', invitedUserIds: [admin.user.id, member.user.id] });
    await must(owner, 'PATCH', `/rooms/${room}/members/${admin.user.id}`, { role: 'admin' });
    const ownerSocket = await socketOnReplica(t, owner, 0, room);
    const others = [await socketOnReplica(t, admin, 1, room), ...(await bothReplicas(member))];
    const leaked = recordEvents(await socketOnReplica(t, outsider, 1), 'room_updated');

    const renamed = [ownerSocket, ...others].map((s) => nextEvent(s, 'room_updated', (e) => e.room.id === room));
    await must(admin, 'PATCH', `/rooms/${room}`, { name: 'after' });
    for (const { room: view } of await Promise.all(renamed)) {
      assert.deepEqual([view.id, view.name, view.isPrivate, view.ownerId], [room, 'after', false, owner.user.id]);
    }

    const handedOver = others.map((s) => nextEvent(s, 'room_updated', (e) => e.room.id === room && e.room.ownerId === admin.user.id));
    assert.equal((await call(owner, 'POST', `/rooms/${room}/leave`)).status, 204);
    for (const { room: view } of await Promise.all(handedOver)) assert.equal(view.name, 'after');
    await sleep(300);
    assert.deepEqual(leaked, [], 'a non-member was told of the room');
  });

  it('room_updated for a room named after its members names it as each member sees it', async () => {
    const [owner, ann, bob] = await Promise.all([registerUser(t.url), registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { name: null, invitedUserIds: [ann.user.id, bob.user.id] });
    const [annSocket, bobSocket] = [await socketOnReplica(t, ann, 0), await socketOnReplica(t, bob, 1)];
    const seen = [annSocket, bobSocket].map((s) => nextEvent(s, 'room_updated', (e) => e.room.id === room));
    assert.equal((await call(owner, 'POST', `/rooms/${room}/leave`)).status, 204);
    const [forAnn, forBob] = await Promise.all(seen);
    assert.deepEqual(
      [forAnn.room.name, forAnn.room.isNameGenerated, forBob.room.name],
      [bob.user.nickname, true, ann.user.nickname],
      'each sees the other',
    );
  });

  it("a socket opened with auth { rooms: 'all' } receives every room of its user without join_room, rooms given later too, and tells nobody it is here", async () => {
    const [owner, follower] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const first = await createRoom(t.url, owner, { name: `first ${tag()}`, invitedUserIds: [follower.user.id] });
    const ownerSocket = await socketOnReplica(t, owner, 0, first);
    const notices = recordEvents(ownerSocket, 'notice', (n) => n.userId === follower.user.id);
    const replica = t.cluster.replicas[1];
    const { socket } = await connect(`http://127.0.0.1:${replica.port}`, follower.access_token, {
      auth: { token: follower.access_token, rooms: 'all' },
    });
    t.track(socket);

    const live = nextEvent(socket, 'message', (m) => m.roomId === first && m.content === 'to the first room');
    await send(ownerSocket, first, 'to the first room');
    await live;

    const added = nextEvent(socket, 'room_added');
    const later = await createRoom(t.url, owner, { name: `later ${tag()}` });
    await must(owner, 'POST', `/rooms/${later}/invites`, { userIds: [follower.user.id] });
    assert.equal((await added).room.id, later);
    const next = nextEvent(socket, 'message', (m) => m.roomId === later && m.content === 'to the later room');
    await must(owner, 'POST', `/rooms/${later}/messages`, { content: 'to the later room' });
    await next;
    assert.deepEqual(
      notices.filter((n) => n.kind === 'join' && n.text.endsWith('is here')),
      [],
      'following its rooms announced the socket',
    );

    // A kick ends it like a join_room: the socket stops receiving the room.
    const removed = nextEvent(socket, 'room_removed', (e) => e.roomId === later);
    await must(owner, 'DELETE', `/rooms/${later}/members/${follower.user.id}`);
    await removed;
    const after = recordEvents(socket, 'message', (m) => m.roomId === later);
    await must(owner, 'POST', `/rooms/${later}/messages`, { content: 'after the kick' });
    await sleep(500);
    assert.deepEqual(after, []);
  });

  it('room_added: to every socket of the user on creation, on invitation (at creation or later), and on a join made from another tab', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const [aliceTabs, bobTabs] = [await bothReplicas(alice), await bothReplicas(bob)];
    const addedTo = (tabs: ChatClient[], match: (room: MyRoomView) => boolean) =>
      Promise.all(tabs.map((s) => nextEvent(s, 'room_added', (e) => match(e.room)).then((e) => e.room)));

    const name = `created ${tag()}`;
    const toAlice = addedTo(aliceTabs, (r) => r.name === name);
    const toBob = addedTo(bobTabs, (r) => r.name === name);
    const created = await createRoom(t.url, alice, { name, invitedUserIds: [bob.user.id] });
    for (const view of await toAlice) assert.deepEqual([view.id, view.role, view.unreadCount, view.mentionCount], [created, 'owner', 0, 0]);
    for (const view of await toBob) {
      assert.deepEqual([view.id, view.role, view.isPrivate], [created, 'member', false]);
      assert.ok(typeof view.unreadCount === 'number' && typeof view.mentionCount === 'number' && typeof view.lastReadSeq === 'number');
    }

    const later = await createRoom(t.url, alice, { name: `invited later ${tag()}`, isPrivate: true });
    const invited = addedTo(bobTabs, (r) => r.id === later);
    await must(alice, 'POST', `/rooms/${later}/invites`, { userIds: [bob.user.id] });
    for (const view of await invited) assert.deepEqual([view.role, view.isPrivate], ['member', true]);

    const open = await createRoom(t.url, alice, { name: `open ${tag()}` });
    const joined = addedTo(bobTabs, (r) => r.id === open);
    await must(bob, 'POST', `/rooms/${open}/join`);
    for (const view of await joined) assert.equal(view.role, 'member');
  });

  it('room_removed: leave on another tab, kick, ban and delete reach every socket of the user; kicked and room_deleted still come', async () => {
    const owner = await registerUser(t.url);
    const [leaver, kicked, banned, stayer] = await Promise.all(Array.from({ length: 4 }, () => registerUser(t.url)));
    const room = await createRoom(t.url, owner, { invitedUserIds: [leaver, kicked, banned, stayer].map((s) => s.user.id) });
    const ownerSocket = await socketOnReplica(t, owner, 0, room);
    /** One tab in the room on replica 0, one on the room list on replica 1. */
    const tabsOf = async (session: Session) => [await socketOnReplica(t, session, 0, room), await socketOnReplica(t, session, 1)];
    const removed = (tabs: ChatClient[]) => Promise.all(tabs.map((s) => nextEvent(s, 'room_removed', (e) => e.roomId === room)));

    const leaverTabs = await tabsOf(leaver);
    const left = removed(leaverTabs);
    assert.equal((await call(leaver, 'POST', `/rooms/${room}/leave`)).status, 204);
    for (const event of await left) assert.deepEqual(event, { roomId: room, reason: 'left' });

    const kickedTabs = await tabsOf(kicked);
    const kickRemoved = removed(kickedTabs);
    const kickedEvent = nextEvent(kickedTabs[0], 'kicked');
    assert.deepEqual(await request(ownerSocket, 'kick_user', { room, userId: kicked.user.id, reason: 'spam' }), { ok: true, data: {} });
    for (const event of await kickRemoved) assert.deepEqual(event, { roomId: room, reason: 'kicked' });
    assert.deepEqual(await kickedEvent, { roomId: room, reason: 'spam' });

    const bannedTabs = await tabsOf(banned);
    const banRemoved = removed(bannedTabs);
    const bannedKicked = nextEvent(bannedTabs[0], 'kicked');
    await must(owner, 'POST', `/rooms/${room}/bans`, { userId: banned.user.id, reason: 'abuse' });
    for (const event of await banRemoved) assert.deepEqual(event, { roomId: room, reason: 'banned' });
    assert.deepEqual(await bannedKicked, { roomId: room, reason: 'abuse' });

    const stayerTabs = await tabsOf(stayer);
    const deleteRemoved = removed(stayerTabs);
    const deleted = stayerTabs.map((s) => nextEvent(s, 'room_deleted'));
    assert.equal((await call(owner, 'DELETE', `/rooms/${room}`)).status, 204);
    for (const event of await deleteRemoved) assert.deepEqual(event, { roomId: room, reason: 'deleted' });
    for (const event of await Promise.all(deleted)) assert.deepEqual(event, { roomId: room });
  });

  it('member_updated: a role change and a mute reach the members on both replicas', async () => {
    const owner = await registerUser(t.url);
    const [promoted, muted] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { invitedUserIds: [promoted.user.id, muted.user.id] });
    const ownerSocket = await socketOnReplica(t, owner, 0, room);
    const sockets = [ownerSocket, await socketOnReplica(t, promoted, 1, room), await socketOnReplica(t, muted, 1, room)];
    const updated = (userId: number, match: (muted: boolean) => boolean) =>
      Promise.all(sockets.map((s) => nextEvent(s, 'member_updated', (e) => e.roomId === room && e.userId === userId && match(e.muted))));

    const roleChange = updated(promoted.user.id, () => true);
    await must(owner, 'PATCH', `/rooms/${room}/members/${promoted.user.id}`, { role: 'admin' });
    for (const event of await roleChange) {
      assert.deepEqual(event, { roomId: room, userId: promoted.user.id, role: 'admin', muted: false, mutedUntil: null });
    }

    const muting = updated(muted.user.id, (m) => m);
    const mutedAt = Date.now();
    assert.deepEqual(await request(ownerSocket, 'mute_user', { room, userId: muted.user.id, muted: true, minutes: 5 }), {
      ok: true,
      data: {},
    });
    for (const event of await muting) {
      assert.deepEqual([event.role, event.muted], ['member', true]);
      const until = Date.parse(event.mutedUntil ?? '');
      assert.ok(until > mutedAt + 4 * 60_000 && until < mutedAt + 6 * 60_000, `mutedUntil ${event.mutedUntil}`);
    }

    const unmuting = updated(muted.user.id, (m) => !m);
    await must(promoted, 'PATCH', `/rooms/${room}/members/${muted.user.id}`, { muted: false });
    for (const event of await unmuting) {
      assert.deepEqual(event, { roomId: room, userId: muted.user.id, role: 'member', muted: false, mutedUntil: null });
    }
  });

  it("receipts: ten quick reads send the room at most one receipt a second and always the last; read_marker reaches the reader's other sockets only", async () => {
    const [owner, reader] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { invitedUserIds: [reader.user.id] });
    const ownerSocket = await socketOnReplica(t, owner, 0, room);
    const reading = await socketOnReplica(t, reader, 1, room);
    const otherTabs = [await socketOnReplica(t, reader, 0, room), await socketOnReplica(t, reader, 1)];
    const seqs: number[] = [];
    for (let i = 0; i < 10; i++) seqs.push((await send(ownerSocket, room, `unread ${i}`)).seq);
    const last = seqs.at(-1)!;

    const receipts = receiptsOf(ownerSocket, reader.user.id);
    const echoed = recordEvents(reading, 'read_marker');
    const markers = otherTabs.map((s) => recordEvents(s, 'read_marker'));
    for (const seq of seqs) assert.deepEqual(await request(reading, 'read', { room, seq }), { ok: true, data: {} });

    await eventually('the receipt of the last read', () => Promise.resolve(receipts.at(-1)?.receipt.seq === last), 5_000);
    await eventually('read_marker on the other tabs', () => Promise.resolve(markers.every((seen) => seen.at(-1)?.seq === last)), 5_000);
    // A read behind the marker does not move it, so it sends nothing.
    assert.deepEqual(await request(reading, 'read', { room, seq: seqs[0] }), { ok: true, data: {} });
    await sleep(1_500);
    assertThrottled(receipts, { roomId: room, userId: reader.user.id, seq: last });
    for (const seen of markers) assert.deepEqual(seen.at(-1), { roomId: room, seq: last });
    assert.deepEqual(echoed, [], 'the socket that read was sent read_marker');

    const marks = await must<ReceiptView[]>(owner, 'GET', `/rooms/${room}/receipts`);
    assert.deepEqual(marks.find((m) => m.userId === reader.user.id)?.lastReadSeq, last);
  });

  it('receipts of one reader on both replicas are throttled as one, and the last to arrive is always the highest', async () => {
    const [owner, reader] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { invitedUserIds: [reader.user.id] });
    const ownerSocket = await socketOnReplica(t, owner, 0, room);
    const [tabA, tabB] = [await socketOnReplica(t, reader, 0, room), await socketOnReplica(t, reader, 1, room)];
    const seqs: number[] = [];
    for (let i = 0; i < 12; i++) seqs.push((await send(ownerSocket, room, `unread ${i}`)).seq);

    // Each round: a read that opens the window, then one on each replica while it is open, the
    // higher last. Which replica's receipt goes out first when the window closes is a race; the
    // other must not then send an older marker after it.
    for (let round = 0; round < 4; round++) {
      const receipts = receiptsOf(ownerSocket, reader.user.id);
      const [opening, lower, higher] = seqs.slice(round * 3, round * 3 + 3);
      for (const [socket, seq] of [
        [tabA, opening],
        [tabB, lower],
        [tabA, higher],
      ] as const) {
        assert.deepEqual(await request(socket, 'read', { room, seq }), { ok: true, data: {} });
      }
      await eventually(
        `round ${round}: the receipt of the highest read`,
        () => Promise.resolve(receipts.some((r) => r.receipt.seq === higher)),
        5_000,
      );
      await sleep(2_500); // two windows: a receipt held back on the other replica comes within them
      assertThrottled(receipts, { roomId: room, userId: reader.user.id, seq: higher }, `round ${round}: `);
    }
  });

  it('GET /rooms/:id/receipts: every member with their marker, for members; NOT_MEMBER for others, NOT_FOUND for no room', async () => {
    const owner = await registerUser(t.url);
    const [reader, idle, outsider] = await Promise.all([registerUser(t.url), registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { invitedUserIds: [reader.user.id, idle.user.id] });
    const sent = await send(await socketOnReplica(t, owner, 0, room), room, 'read me');
    // A read over REST comes from no socket: every socket of the reader is told.
    const told = Promise.all((await bothReplicas(reader)).map((s) => nextEvent(s, 'read_marker')));
    await must(reader, 'POST', `/rooms/${room}/read`, { seq: sent.seq });
    for (const marker of await told) assert.deepEqual(marker, { roomId: room, seq: sent.seq });

    const marks = await must<ReceiptView[]>(idle, 'GET', `/rooms/${room}/receipts`);
    assert.deepEqual(
      marks.map((m) => m.userId).sort((a, b) => a - b),
      [owner, reader, idle].map((s) => s.user.id).sort((a, b) => a - b),
    );
    assert.equal(marks.find((m) => m.userId === reader.user.id)?.lastReadSeq, sent.seq);
    const refused = await call<ErrorBody>(outsider, 'GET', `/rooms/${room}/receipts`);
    assert.deepEqual([refused.status, refused.body.code], [403, 'NOT_MEMBER']);
    const missing = await call<ErrorBody>(reader, 'GET', '/rooms/999999/receipts');
    assert.deepEqual([missing.status, missing.body.code], [404, 'NOT_FOUND']);
  });

  it('GET /users/contacts: people who share a room with me (not me, not a former roommate), filtered by q, ordered by id, paged', async () => {
    const id = tag();
    const [me, ann, bea, cat, stranger, former] = await Promise.all(
      ['Me', 'Ann', 'Bea', 'Cat', 'Stranger', 'Former'].map((name) => registerUser(t.url, `${name}${id}`)),
    );
    await createRoom(t.url, me, { invitedUserIds: [ann.user.id, bea.user.id] });
    await createRoom(t.url, cat, { invitedUserIds: [me.user.id, ann.user.id] });
    await createRoom(t.url, stranger, { invitedUserIds: [ann.user.id] });
    const parted = await createRoom(t.url, me, { invitedUserIds: [former.user.id] });
    await must(former, 'POST', `/rooms/${parted}/leave`);

    const contacts = (query: string) => must<Page<ContactView>>(me, 'GET', `/users/contacts${query}`);
    const expected = [ann, bea, cat].map((s) => ({ id: s.user.id, nickname: s.user.nickname, role: 'user' })).sort((a, b) => a.id - b.id);
    assert.deepEqual(await contacts(''), { items: expected, nextCursor: null });
    assert.deepEqual((await contacts(`?q=${`EA${id}`.toUpperCase()}`)).items, [expected.find((c) => c.id === bea.user.id)]);
    assert.deepEqual((await contacts(`?q=Stranger${id}`)).items, []);

    const first = await contacts(`?q=${id}&limit=2`);
    assert.deepEqual([first.items, first.nextCursor], [expected.slice(0, 2), expected[1].id]);
    assert.deepEqual(await contacts(`?q=${id}&limit=2&cursor=${first.nextCursor}`), { items: expected.slice(2), nextCursor: null });
  });

  it('POST /rooms/direct: 201 a private room of the two, then 200 the same one from either side; the other gets room_added', async () => {
    const [me, friend, stranger] = await Promise.all([registerUser(t.url), registerUser(t.url), registerUser(t.url)]);
    const shared = await createRoom(t.url, me, { invitedUserIds: [friend.user.id] });
    const [myTabs, friendTabs] = [await bothReplicas(me), await bothReplicas(friend)];
    const added = (tabs: ChatClient[]) => Promise.all(tabs.map((s) => nextEvent(s, 'room_added', (e) => e.room.id !== shared)));
    const [toMe, told] = [added(myTabs), added(friendTabs)];

    const opened = await call<RoomView>(me, 'POST', '/rooms/direct', { userId: friend.user.id });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const direct = opened.body;
    assert.deepEqual([direct.isPrivate, direct.ownerId], [true, me.user.id]);
    assert.ok(direct.name.includes(friend.user.nickname), `named after the two: ${direct.name}`);
    for (const { room } of await told) assert.deepEqual([room.id, room.role], [direct.id, 'member']);
    for (const { room } of await toMe) assert.deepEqual([room.id, room.role], [direct.id, 'owner']);
    const members = await must<MemberView[]>(friend, 'GET', `/rooms/${direct.id}/members`);
    assert.deepEqual(
      members.map((m) => [m.userId, m.role]).sort(),
      [
        [me.user.id, 'owner'],
        [friend.user.id, 'member'],
      ].sort(),
    );

    for (const [who, other] of [
      [me, friend],
      [friend, me],
    ] as const) {
      const again = await call<RoomView>(who, 'POST', '/rooms/direct', { userId: other.user.id });
      assert.deepEqual([again.status, again.body.id], [200, direct.id], `opened again by ${who.user.nickname}`);
    }
    const notContact = await call<ErrorBody>(me, 'POST', '/rooms/direct', { userId: stranger.user.id });
    assert.deepEqual([notContact.status, notContact.body.code], [403, 'FORBIDDEN']);
    const self = await call<ErrorBody>(me, 'POST', '/rooms/direct', { userId: me.user.id });
    assert.deepEqual([self.status, self.body.code], [400, 'VALIDATION_FAILED']);
    const mine = await must<MyRoomView[]>(friend, 'GET', '/rooms/mine');
    assert.ok(
      mine.some((r) => r.id === direct.id),
      "the direct room is in the other's room list",
    );
  });

  it('POST /rooms/direct opened by both at once, twice over, makes one room: one 201, the rest 200', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    await createRoom(t.url, alice, { invitedUserIds: [bob.user.id] });
    const open = (from: Session, to: Session) => call<RoomView>(from, 'POST', '/rooms/direct', { userId: to.user.id });
    const answers = await Promise.all([open(alice, bob), open(bob, alice), open(alice, bob), open(bob, alice)]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 201], JSON.stringify(answers.map((a) => a.body)));
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1, 'one room');
    const members = await must<MemberView[]>(alice, 'GET', `/rooms/${answers[0].body.id}/members`);
    assert.deepEqual(members.map((m) => m.userId).sort(), [alice.user.id, bob.user.id].sort());
  });

  it('POST /rooms/direct: one banned from the direct room is refused (BANNED) and is shown nothing of it', async () => {
    const [me, friend] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    await createRoom(t.url, me, { invitedUserIds: [friend.user.id] });
    const direct = await must<RoomView>(me, 'POST', '/rooms/direct', { userId: friend.user.id });
    await must(me, 'POST', `/rooms/${direct.id}/bans`, { userId: friend.user.id, reason: 'enough' });
    const secret = `said after the ban ${tag()}`;
    await send(await socketOnReplica(t, me, 0, direct.id), direct.id, secret);
    await eventually('the room preview', async () => (await must<RoomView>(me, 'GET', `/rooms/${direct.id}`)).lastMessage === secret);

    const again = await call<ErrorBody>(friend, 'POST', '/rooms/direct', { userId: me.user.id });
    assert.ok(!JSON.stringify(again.body).includes(secret), `the answer shows the room's latest message: ${JSON.stringify(again.body)}`);
    assert.deepEqual([again.status, again.body.code], [403, 'BANNED'], JSON.stringify(again.body));
    const members = await must<MemberView[]>(me, 'GET', `/rooms/${direct.id}/members`);
    assert.deepEqual(
      members.map((m) => m.userId),
      [me.user.id],
      'the banned user is not let back in',
    );
  });
});
