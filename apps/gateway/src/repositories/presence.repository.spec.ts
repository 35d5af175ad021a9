import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RealServices, startRealServices } from '../testing/real-services';
import { PresenceRepository, TooManySockets } from './presence.repository';
import { RealtimeRepository } from './realtime.repository';

describe('PresenceRepository (Redis)', () => {
  let services: RealServices;
  let presence: PresenceRepository;
  let nextUser = 1;

  before(async () => {
    services = await startRealServices({ env: { MAX_SOCKETS_PER_USER: '2' } });
    // The heartbeat (onModuleInit) is not started: only admissions and removals are under test.
    presence = new PresenceRepository(services.redis, services.keys, new RealtimeRepository(), services.config);
  });
  after(() => services?.close());

  it('counts the sockets of a user up to the cap, a repeat of one socket once', async () => {
    const user = nextUser++;
    assert.equal(await presence.admit(user, 'a'), 1);
    assert.equal(await presence.admit(user, 'b'), 2);
    assert.equal(await presence.admit(user, 'b'), 2, 'an admitted socket admitted again is still one');
    await assert.rejects(presence.admit(user, 'c'), TooManySockets);
    assert.equal(await services.redis.zscore(services.keys.presence(user), 'c'), null, 'the refused socket was not counted');
    assert.equal(await presence.admit(nextUser++, 'c'), 1, 'the cap is per user');
  });

  it('frees a place when a socket goes, and answers 0 once the last one has', async () => {
    const user = nextUser++;
    await presence.admit(user, 'a');
    await presence.admit(user, 'b');
    assert.equal(await presence.remove(user, 'a'), 1);
    assert.equal(await presence.admit(user, 'c'), 2);
    assert.equal(await presence.remove(user, 'b'), 1);
    assert.equal(await presence.remove(user, 'c'), 0);
    assert.equal(await presence.remove(user, 'c'), 0, 'removing twice is harmless');
  });

  it('tells who among some users is online', async () => {
    const [online, offline, gone] = [nextUser++, nextUser++, nextUser++];
    await presence.admit(online, 'x');
    await presence.admit(gone, 'y');
    await presence.remove(gone, 'y');
    assert.deepEqual([...(await presence.onlineAmong([online, offline, gone]))], [online]);
    assert.equal((await presence.onlineAmong([])).size, 0);
  });

  it("ignores a crashed replica's expired entries, and drops them on the next admission", async () => {
    const user = nextUser++;
    const key = services.keys.presence(user);
    await services.redis.zadd(key, Date.now() - 1, 'stale-1', Date.now() - 1, 'stale-2');
    assert.equal((await presence.onlineAmong([user])).size, 0);
    assert.equal(await presence.admit(user, 'fresh'), 1, 'the stale entries take no place under the cap');
    assert.deepEqual(await services.redis.zrange(key, 0, -1), ['fresh']);
    assert.ok((await services.redis.pttl(key)) > 80_000, 'the set expires with its last entry');
  });
});
