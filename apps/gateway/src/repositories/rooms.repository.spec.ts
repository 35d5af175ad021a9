import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertBan, insertMessages, insertRoom, insertUser, insertUsers } from '../testing/rows';
import { RoomsRepository } from './rooms.repository';

describe('RoomsRepository (MariaDB)', () => {
  let services: RealServices;
  let rooms: RoomsRepository;

  before(async () => {
    services = await startRealServices();
    rooms = new RoomsRepository(services.db, services.reads);
  });
  after(() => services?.close());

  it('creates a room with its first memberships, and finds each caller in it', async () => {
    const [owner, member, stranger] = await insertUsers(services.db, 3);
    const room = await rooms.createRoom({ name: 'Lobby', isPrivate: true, ownerId: owner.id }, [
      { userId: owner.id, role: 'owner' },
      { userId: member.id, role: 'member' },
    ]);

    const mine = await rooms.findMembership(room.id, owner.id);
    assert.equal(mine?.room.name, 'Lobby');
    assert.equal(mine.room.isPrivate, true);
    assert.equal(mine.room.ownerId, owner.id);
    assert.equal(mine.room.lastSeq, 0);
    assert.equal(mine.member?.role, 'owner');
    assert.equal(mine.banned, false);
    assert.equal((await rooms.findMembership(room.id, member.id))?.member?.role, 'member');
    const outsider = await rooms.findMembership(room.id, stranger.id);
    assert.equal(outsider?.room.id, room.id);
    assert.equal(outsider.member, null);
    assert.equal(await rooms.memberCount(room.id), 2);
  });

  it('creates nothing when one of the first memberships is refused', async () => {
    const owner = await insertUser(services.db);
    const name = `half-made-${owner.id}`;
    const missingUser = 2 ** 31;
    await assert.rejects(
      rooms.createRoom({ name, isPrivate: false, ownerId: owner.id }, [
        { userId: owner.id, role: 'owner' },
        { userId: missingUser, role: 'member' },
      ]),
    );
    assert.deepEqual(await services.db.query('SELECT id FROM rooms WHERE name = ?', [name]), []);
  });

  it('reports a ban, and finds neither a missing nor a deleted room', async () => {
    const [owner, banned] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner });
    await insertBan(services.db, roomId, banned.id);
    const found = await rooms.findMembership(roomId, banned.id);
    assert.equal(found?.banned, true);
    assert.equal(found.member, null);

    assert.equal(await rooms.findMembership(2 ** 31, owner.id), null);
    await rooms.softDelete(roomId);
    assert.equal(await rooms.findMembership(roomId, owner.id), null);
  });

  it('soft-deletes a room: answers its members, and it leaves every list', async () => {
    const [owner, member] = await insertUsers(services.db, 2);
    const name = `doomed-${owner.id}`;
    const roomId = await insertRoom(services.db, { owner, name, members: [{ user: member, role: 'member' }] });

    assert.deepEqual((await rooms.softDelete(roomId)).sort(), [owner.id, member.id].sort());
    assert.deepEqual(await rooms.directory({ q: name, limit: 10 }), []);
    assert.deepEqual(await rooms.roomsOf(member.id, { limit: 10 }), []);
    assert.deepEqual(await rooms.roomIdsOf(owner.id), []);
    // The row stays, so messages still in the queue land without a foreign-key failure.
    const [row] = await services.db.query<{ deleted_at: Date | null }[]>('SELECT deleted_at FROM rooms WHERE id = ?', [roomId]);
    assert.ok(row.deleted_at instanceof Date);
  });

  it('lists public live rooms newest first, a page at a time, matching `q` anywhere in the name', async () => {
    const owner = await insertUser(services.db);
    const tag = `dir${owner.id}x`;
    const ids: number[] = [];
    for (const n of [1, 2, 3]) ids.push(await insertRoom(services.db, { owner, name: `${n} ${tag} room` }));
    await insertRoom(services.db, { owner, name: `private ${tag}`, isPrivate: true });
    await rooms.softDelete(await insertRoom(services.db, { owner, name: `deleted ${tag}` }));

    const first = await rooms.directory({ q: tag, limit: 2 });
    assert.deepEqual(
      first.map((r) => r.id),
      [ids[2], ids[1]],
    );
    assert.equal(first[0].memberCount, 1);
    const second = await rooms.directory({ q: tag, before: first[1].id, limit: 2 });
    assert.deepEqual(
      second.map((r) => r.id),
      [ids[0]],
    );
  });

  it('takes % and _ in `q` literally', async () => {
    const owner = await insertUser(services.db);
    const literal = await insertRoom(services.db, { owner, name: `100%_off ${owner.id}` });
    await insertRoom(services.db, { owner, name: `100xyoff ${owner.id}` });
    const found = await rooms.directory({ q: `100%_off ${owner.id}`, limit: 10 });
    assert.deepEqual(
      found.map((r) => r.id),
      [literal],
    );
  });

  it("pages a user's rooms by latest activity with a cursor, with unread counts past the read marker", async () => {
    const [me, other] = await insertUsers(services.db, 2);
    const withMe = [{ user: me, role: 'member' as const }];
    const quiet = await insertRoom(services.db, { owner: other, members: withMe });
    const busy = await insertRoom(services.db, { owner: other, members: withMe });
    const older = await insertRoom(services.db, { owner: other, members: withMe });
    const soon = (ms: number) => new Date(Date.now() + ms);
    await insertMessages(services.db, older, [{ seq: 1, senderId: other.id, createdAt: soon(1_000) }]);
    const [, , , deleted] = await insertMessages(services.db, busy, [
      { seq: 1, senderId: other.id, createdAt: soon(2_000) },
      { seq: 2, senderId: me.id, createdAt: soon(2_001) },
      { seq: 3, senderId: null, type: 'system', createdAt: soon(2_002) },
      { seq: 4, senderId: other.id, createdAt: soon(2_003) },
      { seq: 5, senderId: other.id, createdAt: soon(2_004) },
      { seq: 6, senderId: other.id, createdAt: soon(2_005) },
    ]);
    await services.db.query('UPDATE messages SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ?', [deleted.id]);
    await services.db.query('UPDATE room_members SET last_read_seq = 1, self_muted = 1 WHERE room_id = ? AND user_id = ?', [busy, me.id]);

    const first = await rooms.roomsOf(me.id, { limit: 2 });
    assert.deepEqual(
      first.map((r) => r.id),
      [busy, older],
    );
    // Unread in `busy`: seq 5 and 6 (1 is read, 2 is mine, 3 is a system note, 4 was deleted).
    const { role, unreadCount, lastReadSeq, selfMuted, lastSeq } = first[0];
    assert.deepEqual(
      { role, unreadCount, lastReadSeq, selfMuted, lastSeq },
      { role: 'member', unreadCount: 2, lastReadSeq: 1, selfMuted: true, lastSeq: 6 },
    );
    assert.equal(first[1].unreadCount, 1);
    const last = first[1];
    const rest = await rooms.roomsOf(me.id, { limit: 2, after: { at: last.lastMessageAt ?? last.createdAt, id: last.id } });
    assert.deepEqual(
      rest.map((r) => r.id),
      [quiet],
    );
    assert.equal(rest[0].unreadCount, 0);
  });

  it("counts no message from before the member's invitation as unread", async () => {
    const [me, other] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner: other });
    await insertMessages(
      services.db,
      roomId,
      [1, 2, 3].map((seq) => ({ seq, senderId: other.id })),
    );
    await services.db.query('INSERT INTO room_members (room_id, user_id, role, joined_seq, last_read_seq) VALUES (?, ?, ?, 2, 0)', [
      roomId,
      me.id,
      'member',
    ]);
    const [row] = await rooms.roomsOf(me.id, { limit: 1 });
    assert.equal(row.unreadCount, 1);
  });

  it("names each room's earliest members, at most perRoom of them", async () => {
    const users = await insertUsers(services.db, 4);
    const big = await insertRoom(services.db, {
      owner: users[0],
      name: null,
      members: users.slice(1).map((user) => ({ user, role: 'member' as const })),
    });
    const small = await insertRoom(services.db, { owner: users[3], name: null });
    const names = await rooms.memberNames([big, small], 3);
    assert.deepEqual(
      names.get(big)?.map((n) => n.userId),
      users.slice(0, 3).map((u) => u.id),
    );
    assert.deepEqual(names.get(small), [{ userId: users[3].id, nickname: users[3].nickname }]);
    assert.equal((await rooms.memberNames([], 3)).size, 0);
  });

  it("renames a live room and reads each room's last persisted seq", async () => {
    const owner = await insertUser(services.db);
    const a = await insertRoom(services.db, { owner });
    const b = await insertRoom(services.db, { owner });
    await insertMessages(services.db, a, [{ seq: 7, senderId: owner.id }]);
    await rooms.rename(a, 'Renamed');
    assert.equal((await rooms.findMembership(a, owner.id))?.room.name, 'Renamed');
    assert.deepEqual(
      await rooms.lastSeqs([a, b]),
      new Map([
        [a, 7],
        [b, 0],
      ]),
    );
  });
});
