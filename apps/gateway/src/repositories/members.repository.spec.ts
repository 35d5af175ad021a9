import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertBan, insertRoom, insertUser, insertUsers } from '../testing/rows';
import { MembersRepository } from './members.repository';
import { RoomsRepository } from './rooms.repository';

describe('MembersRepository (MariaDB)', () => {
  let services: RealServices;
  let members: MembersRepository;
  let rooms: RoomsRepository;

  before(async () => {
    services = await startRealServices();
    members = new MembersRepository(services.db, services.reads);
    rooms = new RoomsRepository(services.db, services.reads);
  });
  after(() => services?.close());

  const roleOf = async (roomId: number, userId: number) => (await members.find(roomId, userId))?.role ?? null;
  const ownerIdOf = async (roomId: number) => (await rooms.findMembership(roomId, 0))?.room.ownerId;

  it('adds a member once: a second add answers null, as a concurrent join that lost', async () => {
    const [owner, joiner] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner });
    const added = await members.add(roomId, joiner.id, 'member', 4);
    assert.equal(added?.role, 'member');
    assert.equal(added.joinedSeq, 4);
    assert.equal(added.lastReadSeq, 4);
    assert.equal(await members.add(roomId, joiner.id, 'guest', 9), null);
    assert.equal(await roleOf(roomId, joiner.id), 'member');
  });

  it('lets every other driver error through', async () => {
    const owner = await insertUser(services.db);
    const roomId = await insertRoom(services.db, { owner });
    await assert.rejects(members.add(roomId, 2 ** 31, 'member', 0), /foreign key/);
  });

  it('lists the owner first, then admins, members and guests, each by seniority', async () => {
    const [owner, member1, admin, guest, member2] = await insertUsers(services.db, 5);
    const roomId = await insertRoom(services.db, {
      owner,
      members: [
        { user: member1, role: 'member' },
        { user: guest, role: 'guest' },
        { user: admin, role: 'admin' },
        { user: member2, role: 'member' },
      ],
    });
    const list = await members.list(roomId);
    assert.deepEqual(
      list.map((m) => m.userId),
      [owner, admin, member1, member2, guest].map((u) => u.id),
    );
    assert.equal(list[1].nickname, admin.nickname);
    assert.equal(await members.find(roomId, 2 ** 31), null);
  });

  it('invites many at once, skipping members and users banned from the room, guests as guests', async () => {
    const [owner, present, banned, fresh] = await insertUsers(services.db, 4);
    const guest = await insertUser(services.db, { role: 'guest' });
    const roomId = await insertRoom(services.db, { owner, members: [{ user: present, role: 'admin' }] });
    await insertBan(services.db, roomId, banned.id);

    const result = await members.addMany(
      roomId,
      [present, banned, fresh, guest].map((u) => ({ id: u.id, role: u.role })),
      12,
    );
    assert.deepEqual(result, { added: [fresh.id, guest.id], banned: [banned.id] });
    assert.equal(await roleOf(roomId, present.id), 'admin', 'an existing membership is left as it was');
    assert.equal(await roleOf(roomId, banned.id), null);
    assert.equal(await roleOf(roomId, guest.id), 'guest');
    assert.equal((await rooms.findMembership(roomId, fresh.id))?.member?.joinedSeq, 12);
    assert.deepEqual(await members.addMany(roomId, [], 0), { added: [], banned: [] });
  });

  it('hands a room whose owner leaves to the longest-standing admin, else member', async () => {
    const [owner, member, admin1, admin2] = await insertUsers(services.db, 4);
    const roomId = await insertRoom(services.db, {
      owner,
      members: [
        { user: member, role: 'member' },
        { user: admin1, role: 'admin' },
        { user: admin2, role: 'admin' },
      ],
    });
    assert.equal(await members.remove(roomId, owner.id), true);
    assert.equal(await roleOf(roomId, admin1.id), 'owner');
    assert.equal(await ownerIdOf(roomId), admin1.id);

    await members.remove(roomId, admin2.id);
    assert.equal(await ownerIdOf(roomId), admin1.id, 'a non-owner leaving changes no ownership');
    await members.remove(roomId, admin1.id);
    assert.equal(await roleOf(roomId, member.id), 'owner', 'no admin left: the member takes over');
    assert.equal(await ownerIdOf(roomId), member.id);
    assert.equal(await members.remove(roomId, admin1.id), false, 'no membership left to remove');
  });

  it('leaves a room without an owner once its last member leaves', async () => {
    const owner = await insertUser(services.db);
    const roomId = await insertRoom(services.db, { owner });
    assert.equal(await members.remove(roomId, owner.id), true);
    assert.equal(await ownerIdOf(roomId), null);
  });

  it('transfers ownership: the old owner becomes an admin, the room names the new one', async () => {
    const [owner, heir] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: heir, role: 'member' }] });
    assert.equal(await members.transferOwnership(roomId, owner.id, heir.id), true);
    assert.equal(await roleOf(roomId, owner.id), 'admin');
    assert.equal(await roleOf(roomId, heir.id), 'owner');
    assert.equal(await ownerIdOf(roomId), heir.id);
  });

  it('transfers nothing to a user who is no longer a member (left between the check and the hand-over)', async () => {
    const [owner, leaver] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: leaver, role: 'member' }] });
    await members.remove(roomId, leaver.id);
    assert.equal(await members.transferOwnership(roomId, owner.id, leaver.id), false);
    assert.equal(await roleOf(roomId, owner.id), 'owner');
    assert.equal(await ownerIdOf(roomId), owner.id);
  });

  it('moves the read marker forward only, and never past the last seq', async () => {
    const [owner, reader] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: reader, role: 'member' }] });
    assert.equal(await members.markRead(roomId, reader.id, 5, 10), 5);
    assert.equal(await members.markRead(roomId, reader.id, 3, 10), 5, 'an older read does not move it back');
    assert.equal(await members.markRead(roomId, reader.id, 99, 10), 10, 'capped at the last seq');
    assert.equal(await members.markRead(roomId, reader.id, 0, 10), 10);
  });

  it('bans: records the ban (a repeat updates its reason) and removes the membership; unban only what exists', async () => {
    const [owner, target, later] = await insertUsers(services.db, 3);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: target, role: 'member' }] });
    await members.ban(roomId, target.id, owner.id, 'spam');
    await members.ban(roomId, target.id, owner.id, 'spam, again');
    await members.ban(roomId, later.id, owner.id, null);

    assert.equal(await roleOf(roomId, target.id), null);
    const bans = await members.bans(roomId);
    assert.deepEqual(
      bans.map(({ userId, reason, bannedBy }) => ({ userId, reason, bannedBy })).sort((a, b) => a.userId - b.userId),
      [
        { userId: target.id, reason: 'spam, again', bannedBy: owner.id },
        { userId: later.id, reason: null, bannedBy: owner.id },
      ],
    );
    assert.equal((await rooms.findMembership(roomId, target.id))?.banned, true);
    assert.equal(await members.unban(roomId, target.id), true);
    assert.equal(await members.unban(roomId, target.id), false);
    assert.equal((await rooms.findMembership(roomId, target.id))?.banned, false);
  });

  it('sets a role, a mute and a self-mute on one membership', async () => {
    const [owner, member, bystander] = await insertUsers(services.db, 3);
    const roomId = await insertRoom(services.db, {
      owner,
      members: [
        { user: member, role: 'member' },
        { user: bystander, role: 'member' },
      ],
    });
    const until = new Date(Date.now() + 60_000);
    await members.setRole(roomId, member.id, 'admin');
    await members.setMutedUntil(roomId, member.id, until);
    await members.setSelfMuted(roomId, member.id, true);

    const found = (await rooms.findMembership(roomId, member.id))?.member;
    assert.equal(found?.role, 'admin');
    assert.equal(found.mutedUntil?.getTime(), until.getTime());
    assert.equal(found.selfMuted, true);
    const untouched = (await rooms.findMembership(roomId, bystander.id))?.member;
    assert.deepEqual([untouched?.role, untouched?.mutedUntil, untouched?.selfMuted], ['member', null, false]);
    await members.setMutedUntil(roomId, member.id, null);
    assert.equal((await members.find(roomId, member.id))?.mutedUntil, null);
  });
});
