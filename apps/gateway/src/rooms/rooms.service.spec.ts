import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, type PublicUser } from '@chat/contracts';
import type { MembersRepository } from '../repositories/members.repository';
import { MembershipNoteRepository } from '../repositories/membership-note.repository';
import { RateLimitRepository } from '../repositories/rate-limit.repository';
import { ReceiptWindowRepository } from '../repositories/receipt-window.repository';
import type { RoomsRepository } from '../repositories/rooms.repository';
import { SequenceRepository } from '../repositories/sequence.repository';
import type { RoomAccess } from './room-access';
import { type RealServices, startRealServices } from '../testing/real-services';
import { nextEvent, type RealtimeServer, startRealtimeServer } from '../testing/realtime-server';
import { roomData } from '../testing/room-data';
import { insertBan, insertRoom, insertUser, insertUsers } from '../testing/rows';
import { LiveRoomState } from './live-room-state';
import { ReadReceipts } from './read-receipts';
import { RoomViews } from './room-views';
import { RoomsService } from './rooms.service';

describe('RoomsService (MariaDB, Redis, Socket.IO)', () => {
  let services: RealServices;
  let socketServer: RealtimeServer;
  let members: MembersRepository;
  let rooms: RoomsRepository;
  let access: RoomAccess;
  let service: RoomsService;
  let notesOf: (roomId: number) => string[];

  before(async () => {
    services = await startRealServices();
    socketServer = await startRealtimeServer(services);
    const data = roomData(services);
    ({ rooms, members, access, notesOf } = data);
    const views = new RoomViews(rooms);
    service = new RoomsService(
      rooms,
      members,
      data.users,
      access,
      new SequenceRepository(services.redis, services.keys, rooms, services.config),
      socketServer.realtime,
      new RateLimitRepository(services.redis, services.keys, services.config),
      new MembershipNoteRepository(services.redis, services.keys),
      data.events,
      views,
      new LiveRoomState(rooms, members, views, socketServer.realtime),
      new ReadReceipts(new ReceiptWindowRepository(services.redis, services.keys), socketServer.realtime),
    );
  });
  after(() => services?.close());

  const roleOf = async (roomId: number, user: PublicUser) => (await members.find(roomId, user.id))?.role ?? null;

  it('refuses to join a private room (FORBIDDEN), a missing one (NOT_FOUND), or one that banned the user (BANNED)', async () => {
    const [owner, joiner, banned] = await insertUsers(services.db, 3);
    const secret = await insertRoom(services.db, { owner, isPrivate: true });
    const open = await insertRoom(services.db, { owner });
    await insertBan(services.db, open, banned.id);
    await assert.rejects(service.join(joiner, secret), { code: ErrorCode.Forbidden });
    await assert.rejects(service.join(joiner, 2 ** 31), { code: ErrorCode.NotFound });
    await assert.rejects(service.join(banned, open), { code: ErrorCode.Banned });
    assert.deepEqual([await roleOf(secret, joiner), await roleOf(open, banned)], [null, null]);
  });

  it('joins a public room once: joining again returns the same membership and records no second note', async () => {
    const [owner, joiner] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner });
    const socket = await socketServer.connect(owner.id, { rooms: [roomId] });
    const notice = nextEvent(socket, 'notice');
    const first = await service.join(joiner, roomId);
    const again = await service.join(joiner, roomId);

    assert.deepEqual(again, first);
    assert.equal(first.role, 'member');
    assert.deepEqual(await notice, { roomId, kind: 'join', userId: joiner.id, text: `${joiner.nickname} joined` });
    assert.deepEqual(notesOf(roomId), [`${joiner.nickname} joined`]);
    await access.require(roomId, joiner, 'send');
  });

  it('joins a guest as a guest', async () => {
    const owner = await insertUser(services.db);
    const guest = await insertUser(services.db, { role: 'guest' });
    const roomId = await insertRoom(services.db, { owner });
    assert.equal((await service.join(guest, roomId)).role, 'guest');
  });

  it('stores one note for a burst of joins and leaves by the same user', async () => {
    const [owner, restless] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner });
    await service.join(restless, roomId);
    await service.leave(restless, roomId);
    await service.join(restless, roomId);
    assert.deepEqual(notesOf(roomId), [`${restless.nickname} joined`]);
  });

  it('invites: skips users banned from the room, reports members already in, new members see only what follows', async () => {
    const [owner, present, banned, fresh] = await insertUsers(services.db, 4);
    const roomId = await insertRoom(services.db, { owner, isPrivate: true, members: [{ user: present, role: 'member' }] });
    await insertBan(services.db, roomId, banned.id);
    await services.redis.set(services.keys.roomSeq(roomId), '41');

    const result = await service.invite(owner, roomId, [present.id, banned.id, fresh.id, fresh.id]);
    assert.deepEqual(result, { added: [fresh.id], alreadyMembers: [present.id], banned: [banned.id] });
    assert.equal(await roleOf(roomId, banned), null);
    assert.equal((await rooms.findMembership(roomId, fresh.id))?.member?.joinedSeq, 41);
    assert.deepEqual(notesOf(roomId), [`${owner.nickname} invited ${fresh.nickname}`]);
  });

  it('invites nobody when one of the invitees does not exist', async () => {
    const [owner, real] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner });
    await assert.rejects(service.invite(owner, roomId, [real.id, 2 ** 31]), { code: ErrorCode.NotFound });
    assert.equal(await roleOf(roomId, real), null);
  });

  it("refuses a guest's invitations, at creation too", async () => {
    const [owner, friend] = await insertUsers(services.db, 2);
    const guest = await insertUser(services.db, { role: 'guest' });
    const roomId = await insertRoom(services.db, { owner, members: [{ user: guest, role: 'guest' }] });
    await assert.rejects(service.invite(guest, roomId, [friend.id]), { code: ErrorCode.Forbidden });
    await assert.rejects(service.create(guest, { name: 'mine', invitedUserIds: [friend.id] }), { code: ErrorCode.Forbidden });
  });

  it('creates a room owned by its creator with the invitees as members, and notes the invitation', async () => {
    const [owner, a, b] = await insertUsers(services.db, 3);
    const view = await service.create(owner, { isPrivate: true, invitedUserIds: [a.id, owner.id, b.id] });
    assert.deepEqual([view.ownerId, view.isPrivate, view.isNameGenerated], [owner.id, true, true]);
    assert.deepEqual(
      (await members.list(view.id)).map((m) => [m.userId, m.role]),
      [
        [owner.id, 'owner'],
        [a.id, 'member'],
        [b.id, 'member'],
      ],
    );
    assert.deepEqual(notesOf(view.id), [`${owner.nickname} invited ${a.nickname}, ${b.nickname}`]);
  });

  it('hands the room over when its owner leaves; a second leave is NOT_MEMBER', async () => {
    const [owner, admin] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: admin, role: 'admin' }] });
    await service.leave(owner, roomId);
    assert.equal(await roleOf(roomId, admin), 'owner');
    assert.deepEqual(notesOf(roomId), [`${owner.nickname} left`]);
    await assert.rejects(service.leave(owner, roomId), { code: ErrorCode.NotMember });
  });

  it("deletes a room for its owner only, telling every member's sockets", async () => {
    const [owner, admin] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: admin, role: 'admin' }] });
    await assert.rejects(service.delete(admin, roomId), { code: ErrorCode.Forbidden });
    const socket = await socketServer.connect(admin.id);
    const deleted = nextEvent(socket, 'room_deleted');
    await service.delete(owner, roomId);
    assert.deepEqual(await deleted, { roomId });
    await assert.rejects(service.get(owner, roomId), { code: ErrorCode.NotFound });
  });

  it("moves a read marker up to the room's current seq at most", async () => {
    const [owner, reader] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: reader, role: 'member' }] });
    await services.redis.set(services.keys.roomSeq(roomId), '8');
    assert.deepEqual(await service.markRead(reader, roomId, 5), { roomId, lastReadSeq: 5 });
    assert.deepEqual(await service.markRead(reader, roomId, 50), { roomId, lastReadSeq: 8 });
    assert.deepEqual(await service.markRead(reader, roomId, 2), { roomId, lastReadSeq: 8 });
  });

  it("pages the caller's rooms with an opaque cursor, to the end", async () => {
    const [me, other] = await insertUsers(services.db, 2);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await insertRoom(services.db, { owner: other, members: [{ user: me, role: 'member' }] }));
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.mine(me, { limit: 2, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
  });

  it("sends a moved read marker to the room as one receipt per second, the last one always, and to the reader's other sockets", async () => {
    const [owner, reader] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: reader, role: 'member' }] });
    await services.db.query('UPDATE rooms SET last_seq = 50 WHERE id = ?', [roomId]);
    const watcher = await socketServer.connect(owner.id, { rooms: [roomId] });
    const readerTab = await socketServer.connect(reader.id);
    const receipts: number[] = [];
    watcher.on('receipt', (event) => receipts.push(event.seq));
    const marker = nextEvent(readerTab, 'read_marker');

    for (let seq = 1; seq <= 10; seq++) await service.markRead(reader, roomId, seq);
    await service.markRead(reader, roomId, 5); // no move: nothing sent
    assert.deepEqual(await marker, { roomId, seq: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(receipts, [1, 10], 'the first at once, the latest when the window closes');
  });
});
