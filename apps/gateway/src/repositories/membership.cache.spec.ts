import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@chat/contracts';
import { dataSourceOptions } from '@chat/database';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertRoom, insertUsers } from '../testing/rows';
import { eventually } from '../testing/wait';
import { MembershipCache } from './membership.cache';
import { RoomsRepository } from './rooms.repository';
import { ReplicaReads } from './replica-reads';

describe('MembershipCache (MariaDB, Redis pub/sub)', () => {
  let services: RealServices;
  let rooms: RoomsRepository;
  /** Two replicas' caches, each with its own subscriber on the same channel. */
  let here: MembershipCache;
  let there: MembershipCache;

  before(async () => {
    services = await startRealServices();
    rooms = new RoomsRepository(services.db, services.reads);
    here = new MembershipCache(rooms, services.pub, services.sub, services.keys);
    there = new MembershipCache(rooms, services.pub, services.connectRedis('sub-there'), services.keys);
    here.onModuleInit();
    there.onModuleInit();
    // Subscriptions are asynchronous: wait until both replicas listen before announcing anything.
    await eventually('both subscribers', async () => {
      const [, count] = (await services.redis.call('PUBSUB', 'SHARDNUMSUB', services.keys.membershipChanged)) as [string, number];
      return Number(count) === 2;
    });
  });
  after(() => services?.close());

  const muteInSql = (roomId: number, userId: number) =>
    services.db.query("UPDATE room_members SET muted_until = '9999-12-31' WHERE room_id = ? AND user_id = ?", [roomId, userId]);

  it('answers from memory once read, until this replica says the room changed', async () => {
    const [owner, member] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: member, role: 'member' }] });
    assert.equal((await here.get(roomId, member.id))?.member?.mutedUntil, null);
    await muteInSql(roomId, member.id);
    assert.equal((await here.get(roomId, member.id))?.member?.mutedUntil, null, 'still the cached copy');
    await here.changed(roomId);
    assert.ok((await here.get(roomId, member.id))?.member?.mutedUntil);
  });

  it("drops this replica's copy when another replica announces a change", async () => {
    const [owner, member] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: member, role: 'member' }] });
    await here.get(roomId, member.id);
    await muteInSql(roomId, member.id);
    await there.changed(roomId);
    await eventually('the announcement', async () => Boolean((await here.get(roomId, member.id))?.member?.mutedUntil));
  });

  it('remembers a missing room, until its creation is announced', async () => {
    const [owner] = await insertUsers(services.db, 1);
    const [{ next }] = await services.db.query<{ next: number }[]>('SELECT COALESCE(MAX(id), 0) + 1 AS next FROM rooms');
    assert.equal(await here.get(Number(next), owner.id), null);
    const roomId = await insertRoom(services.db, { owner });
    assert.equal(roomId, Number(next));
    assert.equal(await here.get(roomId, owner.id), null, 'the miss is cached too');
    await here.changed(roomId);
    assert.equal((await here.get(roomId, owner.id))?.member?.role, 'owner');
  });

  it('answers UNAVAILABLE when MySQL cannot answer and nothing is known', async () => {
    const [owner] = await insertUsers(services.db, 1);
    const roomId = await insertRoom(services.db, { owner });
    // A pool that has been closed fails every query, as one whose server is away does.
    const closed = await new DataSource(dataSourceOptions(services.config.database.url, { poolSize: 1 })).initialize();
    await closed.destroy();
    const cache = new MembershipCache(
      new RoomsRepository(closed, new ReplicaReads(closed, services.config)),
      services.pub,
      services.sub,
      services.keys,
    );
    await assert.rejects(cache.get(roomId, owner.id), { code: ErrorCode.Unavailable });
  });
});
