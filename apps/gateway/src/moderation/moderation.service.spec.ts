import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, type PublicUser } from '@chat/contracts';
import type { MembersRepository } from '../repositories/members.repository';
import { PresenceRepository } from '../repositories/presence.repository';
import type { RoomsRepository } from '../repositories/rooms.repository';
import { LiveRoomState, type RoomAccess, RoomViews } from '../rooms';
import { type RealServices, startRealServices } from '../testing/real-services';
import { nextEvent, type RealtimeServer, startRealtimeServer } from '../testing/realtime-server';
import { roomData } from '../testing/room-data';
import { insertRoom, insertUser, insertUsers } from '../testing/rows';
import { ModerationService } from './moderation.service';

describe('ModerationService (MariaDB, Redis, Socket.IO)', () => {
  let services: RealServices;
  let socketServer: RealtimeServer;
  let members: MembersRepository;
  let rooms: RoomsRepository;
  let access: RoomAccess;
  let presence: PresenceRepository;
  let moderation: ModerationService;
  let notesOf: (roomId: number) => string[];

  before(async () => {
    services = await startRealServices();
    socketServer = await startRealtimeServer(services);
    const data = roomData(services);
    ({ rooms, members, access, notesOf } = data);
    presence = new PresenceRepository(services.redis, services.keys, socketServer.realtime, services.config);
    const live = new LiveRoomState(rooms, members, new RoomViews(rooms), socketServer.realtime);
    moderation = new ModerationService(access, rooms, members, data.users, socketServer.realtime, presence, data.events, live);
  });
  after(() => services?.close());

  /** A room with an owner, an admin and a member (and a stranger who is none of these). */
  async function staffedRoom() {
    const [owner, admin, member, stranger] = await insertUsers(services.db, 4);
    const roomId = await insertRoom(services.db, {
      owner,
      members: [
        { user: admin, role: 'admin' },
        { user: member, role: 'member' },
      ],
    });
    return { roomId, owner, admin, member, stranger };
  }
  const roleOf = async (roomId: number, user: PublicUser) => (await members.find(roomId, user.id))?.role ?? null;

  it('lets a room admin kick neither the owner nor another admin', async () => {
    const { roomId, owner, admin } = await staffedRoom();
    const otherAdmin = await insertUser(services.db);
    await members.add(roomId, otherAdmin.id, 'admin', 0);
    await assert.rejects(moderation.kick(admin, roomId, owner.id), { code: ErrorCode.Forbidden });
    await assert.rejects(moderation.kick(admin, roomId, otherAdmin.id), { code: ErrorCode.Forbidden });
    await assert.rejects(moderation.kick(admin, roomId, admin.id), { code: ErrorCode.Forbidden }, 'nor themself');
    assert.deepEqual([await roleOf(roomId, owner), await roleOf(roomId, otherAdmin)], ['owner', 'admin']);
    assert.deepEqual(notesOf(roomId), []);
  });

  it('refuses moderation to a plain member and to a non-member', async () => {
    const { roomId, admin, member, stranger } = await staffedRoom();
    await assert.rejects(moderation.kick(member, roomId, admin.id), { code: ErrorCode.Forbidden });
    await assert.rejects(moderation.ban(stranger, roomId, member.id), { code: ErrorCode.NotMember });
  });

  it("kicks: removes the membership, tells the user's sockets, and the room's history records it", async () => {
    const { roomId, owner, member } = await staffedRoom();
    const socket = await socketServer.connect(member.id, { rooms: [roomId] });
    const kicked = nextEvent(socket, 'kicked');
    await moderation.kick(owner, roomId, member.id, 'off topic');

    assert.deepEqual(await kicked, { roomId, reason: 'off topic' });
    assert.equal(await roleOf(roomId, member), null);
    assert.deepEqual(notesOf(roomId), [`${member.nickname} was removed by ${owner.nickname}: off topic`]);
  });

  it("drops the kicked member's cached membership, so their next send is refused", async () => {
    const { roomId, owner, member } = await staffedRoom();
    await access.require(roomId, member, 'send');
    await moderation.kick(owner, roomId, member.id);
    await assert.rejects(access.require(roomId, member, 'send'), { code: ErrorCode.NotMember });
  });

  it('bans: removes the membership, records the ban, and keeps the user out', async () => {
    const { roomId, admin, member } = await staffedRoom();
    await access.require(roomId, member, 'send');
    await moderation.ban(admin, roomId, member.id, 'spam');

    assert.equal(await roleOf(roomId, member), null);
    assert.deepEqual(
      (await moderation.bans(admin, roomId)).map((b) => [b.userId, b.reason, b.bannedBy]),
      [[member.id, 'spam', admin.id]],
    );
    await assert.rejects(access.require(roomId, member, 'send'), { code: ErrorCode.Banned });
    assert.deepEqual(notesOf(roomId), [`${member.nickname} was banned by ${admin.nickname}: spam`]);
  });

  it('bans a non-member ahead of time, recording no note; nobody outranks the owner', async () => {
    const { roomId, owner, admin, stranger } = await staffedRoom();
    await moderation.ban(admin, roomId, stranger.id);
    assert.equal((await rooms.findMembership(roomId, stranger.id))?.banned, true);
    assert.deepEqual(notesOf(roomId), []);
    await assert.rejects(moderation.ban(admin, roomId, owner.id), { code: ErrorCode.Forbidden });
    await assert.rejects(moderation.ban(admin, roomId, 2 ** 31), { code: ErrorCode.NotFound });
    assert.equal(await roleOf(roomId, owner), 'owner');
  });

  it('lets a site admin who is no member moderate the room', async () => {
    const { roomId, member } = await staffedRoom();
    const siteAdmin = await insertUser(services.db, { role: 'admin' });
    await moderation.kick(siteAdmin, roomId, member.id);
    assert.equal(await roleOf(roomId, member), null);
  });

  it('unbans only a user who is banned', async () => {
    const { roomId, owner, member } = await staffedRoom();
    await assert.rejects(moderation.unban(owner, roomId, member.id), { code: ErrorCode.NotFound });
    await moderation.ban(owner, roomId, member.id);
    await moderation.unban(owner, roomId, member.id);
    assert.equal((await rooms.findMembership(roomId, member.id))?.banned, false);
  });

  it('mutes until lifted or for some minutes, and lists members as muted and online', async () => {
    const { roomId, owner, admin, member } = await staffedRoom();
    const forever = await moderation.update(admin, roomId, member.id, { muted: true });
    assert.deepEqual([forever.muted, forever.mutedUntil], [true, '9999-12-31T00:00:00.000Z']);
    await presence.admit(member.id, 'socket-1');
    const listed = (await moderation.list(owner, roomId)).find((m) => m.userId === member.id);
    assert.deepEqual([listed?.muted, listed?.online], [true, true]);

    const timed = await moderation.update(admin, roomId, member.id, { muted: true, mutedMinutes: 5 });
    const left = Date.parse(timed.mutedUntil ?? '') - Date.now();
    assert.ok(left > 4 * 60_000 && left <= 5 * 60_000, `${left} ms left`);
    const lifted = await moderation.update(admin, roomId, member.id, { muted: false });
    assert.deepEqual([lifted.muted, lifted.mutedUntil], [false, null]);
  });

  it('on oneself changes only the self-mute', async () => {
    const { roomId, member } = await staffedRoom();
    const view = await moderation.update(member, roomId, member.id, { muted: true });
    assert.deepEqual([view.selfMuted, view.muted], [true, false]);
    assert.equal((await rooms.findMembership(roomId, member.id))?.member?.selfMuted, true);
    await assert.rejects(moderation.update(member, roomId, member.id, { role: 'admin' }), { code: ErrorCode.Forbidden });
    await assert.rejects(moderation.update(member, roomId, member.id, {}), { code: ErrorCode.ValidationFailed });
  });

  it('hands out roles as the owner only; role owner hands the room over', async () => {
    const { roomId, owner, admin, member } = await staffedRoom();
    await assert.rejects(moderation.update(admin, roomId, member.id, { role: 'admin' }), { code: ErrorCode.Forbidden });
    assert.equal((await moderation.update(owner, roomId, member.id, { role: 'admin' })).role, 'admin');
    const heir = await moderation.update(owner, roomId, admin.id, { role: 'owner' });
    assert.equal(heir.role, 'owner');
    assert.equal(await roleOf(roomId, owner), 'admin');
    assert.equal((await rooms.findMembership(roomId, owner.id))?.room.ownerId, admin.id);
  });
});
