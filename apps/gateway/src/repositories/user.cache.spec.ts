import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UserEntity } from '@chat/database';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertUser } from '../testing/rows';
import { eventually } from '../testing/wait';
import { UserCache } from './user.cache';
import { UsersRepository } from './users.repository';

describe('UserCache (MariaDB, Redis pub/sub)', () => {
  let services: RealServices;
  let here: UserCache;
  let there: UserCache;

  before(async () => {
    services = await startRealServices();
    const users = new UsersRepository(services.db.getRepository(UserEntity), services.reads);
    here = new UserCache(users, services.pub, services.sub, services.keys);
    there = new UserCache(users, services.pub, services.connectRedis('sub-there'), services.keys);
    here.onModuleInit();
    there.onModuleInit();
    // Subscriptions are asynchronous: wait until both replicas listen before announcing anything.
    await eventually('both subscribers', async () => {
      const [, count] = (await services.redis.call('PUBSUB', 'SHARDNUMSUB', services.keys.userChanged)) as [string, number];
      return Number(count) === 2;
    });
  });
  after(() => services?.close());

  const renameInSql = (id: number, nickname: string) => services.db.query('UPDATE users SET nickname = ? WHERE id = ?', [nickname, id]);

  it('answers from memory once read, until this replica says the user changed', async () => {
    const user = await insertUser(services.db);
    assert.equal((await here.get(user.id))?.nickname, user.nickname);
    await renameInSql(user.id, 'renamed');
    assert.equal((await here.get(user.id))?.nickname, user.nickname, 'still the cached copy');
    await here.changed(user.id);
    assert.equal((await here.get(user.id))?.nickname, 'renamed');
  });

  it("drops this replica's copy when another replica announces a change", async () => {
    const user = await insertUser(services.db);
    await here.get(user.id);
    await services.db.query('UPDATE users SET banned_at = UTC_TIMESTAMP(3) WHERE id = ?', [user.id]);
    await there.changed(user.id);
    await eventually('the announcement', async () => Boolean((await here.get(user.id))?.bannedAt));
  });

  it('answers null for a user that does not exist', async () => {
    assert.equal(await here.get(2 ** 31), null);
  });
});
