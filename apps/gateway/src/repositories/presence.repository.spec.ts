import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RealServices, startRealServices } from '../testing/real-services';
import { eventually } from '../testing/wait';
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

describe('PresenceRepository: the replica registry (Redis)', () => {
  let services: RealServices;
  let nextUser = 1;
  /** A gateway process of its own: the registry tells instances apart, as it does processes. */
  const replica = (heartbeatMs = services.config.presence.heartbeatMs) =>
    new PresenceRepository(services.redis, services.keys, new RealtimeRepository(), { ...services.config, presence: { heartbeatMs } });
  /** Registered and beating, as a started replica is. */
  const started = async (heartbeatMs?: number) => {
    const repository = replica(heartbeatMs);
    assert.equal(await repository.beat(), false, 'the first beat finds no heartbeat');
    assert.deepEqual(await repository.rejoin([]), []);
    return repository;
  };
  /** What a crash leaves: the heartbeat expires. */
  const crash = (repository: PresenceRepository) => services.redis.del(services.keys.replicaHeartbeat(repository.replica));
  /** Every batch of a claimed cleanup, each user it reports. */
  const cleanUp = async (survivor: PresenceRepository, dead: PresenceRepository) => {
    const offline: number[] = [];
    for (let users = await survivor.cleanUpBatch(dead.replica); users; users = await survivor.cleanUpBatch(dead.replica))
      offline.push(...users);
    return offline.sort((a, b) => a - b);
  };
  const recorded = (repository: PresenceRepository) => services.redis.smembers(services.keys.replicaSockets(repository.replica));

  before(async () => {
    services = await startRealServices({ env: { MAX_SOCKETS_PER_USER: '2' } });
  });
  after(() => services?.close());

  it('records the sockets it admits, forgets those it removes, and none it refuses', async () => {
    const presence = await started();
    const user = nextUser++;
    await presence.admit(user, 'a');
    await presence.admit(user, 'b');
    await assert.rejects(presence.admit(user, 'c'), TooManySockets);
    assert.deepEqual((await recorded(presence)).sort(), [`${user}:a`, `${user}:b`]);
    await presence.remove(user, 'a');
    assert.deepEqual(await recorded(presence), [`${user}:b`]);
  });

  it('a replica restarted under the same REPLICA_ID registers anew', () => {
    const [first, second] = [replica(), replica()];
    assert.match(first.replica, new RegExp(`^${services.config.gateway.replicaId}\\.`));
    assert.notEqual(first.replica, second.replica);
  });

  it('a replica whose heartbeat expires is lapsed to the others, not to itself', async () => {
    const [survivor, live] = [await started(), await started()];
    assert.equal(await live.beat(), true);
    assert.ok(!(await survivor.lapsedReplicas()).includes(live.replica));
    // Its heartbeat's TTL is 3 beats (300 ms): it expires by itself.
    const dead = await started(100);
    await eventually('the heartbeat to expire', async () => (await survivor.lapsedReplicas()).includes(dead.replica));
    assert.ok(!(await dead.lapsedReplicas()).includes(dead.replica));
  });

  it('cleans up after a dead replica: its users with no other socket are reported once, in batches, and its records go', async () => {
    const [survivor, dead] = [await started(), await started()];
    const alone = Array.from({ length: 250 }, () => nextUser++);
    for (const user of alone) await dead.admit(user, `d${user}`);
    const twoTabs = nextUser++; // both tabs on the dead replica
    await dead.admit(twoTabs, 'tab-1');
    await dead.admit(twoTabs, 'tab-2');
    const elsewhere = nextUser++; // a socket on each replica
    await dead.admit(elsewhere, 'dead-side');
    await survivor.admit(elsewhere, 'live-side');
    await crash(dead);

    assert.equal(await survivor.claim(dead.replica), true);
    assert.deepEqual(await cleanUp(survivor, dead), [...alone, twoTabs]);
    assert.deepEqual([...(await survivor.onlineAmong([...alone, twoTabs, elsewhere]))], [elsewhere]);
    assert.deepEqual(await services.redis.zrange(services.keys.presence(elsewhere), 0, -1), ['live-side']);
    const { replicas, replicaSockets, replicaCleanup } = services.keys;
    assert.equal(await services.redis.sismember(replicas, dead.replica), 0);
    assert.equal(await services.redis.exists(replicaSockets(dead.replica), replicaCleanup(dead.replica)), 0);
    assert.ok(!(await survivor.lapsedReplicas()).includes(dead.replica), 'nothing left to clean up');
  });

  it('one survivor takes a cleanup; two at once, or one after another, still report each user once', async () => {
    const [first, second, dead] = [await started(), await started(), await started()];
    const users = Array.from({ length: 30 }, () => nextUser++);
    for (const user of users) await dead.admit(user, `s${user}`);
    await crash(dead);

    assert.equal(await first.claim(dead.replica), true);
    assert.equal(await second.claim(dead.replica), false, 'the lock is held');
    // A lock that expired under a slow cleanup: both run at once.
    await services.redis.del(services.keys.replicaCleanup(dead.replica));
    assert.equal(await second.claim(dead.replica), true);
    const [a, b] = await Promise.all([cleanUp(first, dead), cleanUp(second, dead)]);
    assert.deepEqual(
      [...a, ...b].sort((x, y) => x - y),
      users,
    );
    assert.equal(await first.claim(dead.replica), true, 'a late cleanup of what is gone');
    assert.deepEqual(await cleanUp(first, dead), []);
  });

  it('a replica that was only slow stops a cleanup, records its sockets again after it, and reports who is back online', async () => {
    const [survivor, slow] = [await started(), await started()];
    const users = Array.from({ length: 250 }, () => nextUser++);
    const sockets = users.map((userId) => ({ userId, socketId: `z${userId}` }));
    for (const { userId, socketId } of sockets) await slow.admit(userId, socketId);
    const stayed = nextUser++; // also on the survivor: never reported either way
    await slow.admit(stayed, 'slow-side');
    await survivor.admit(stayed, 'live-side');
    sockets.push({ userId: stayed, socketId: 'slow-side' });
    await crash(slow);

    assert.equal(await survivor.claim(slow.replica), true);
    const gone = (await survivor.cleanUpBatch(slow.replica)) ?? [];
    assert.ok(gone.length > 0 && gone.length < users.length, 'one batch of 200 reported');
    assert.equal(await slow.beat(), false, 'the slow replica sees its heartbeat lapsed');
    assert.equal(await slow.rejoin(sockets), undefined, 'it waits for the cleanup under way');
    assert.equal(await survivor.cleanUpBatch(slow.replica), undefined, 'the cleanup stops: the heartbeat is back');
    const back = (await slow.rejoin(sockets)) ?? [];
    assert.deepEqual(
      back.sort((a, b) => a - b),
      gone.sort((a, b) => a - b),
      'back online: exactly those reported offline',
    );
    assert.equal((await survivor.onlineAmong([...users, stayed])).size, users.length + 1);
    assert.equal((await recorded(slow)).length, sockets.length);
    assert.equal(await services.redis.sismember(services.keys.replicas, slow.replica), 1);
    assert.ok(!(await survivor.lapsedReplicas()).includes(slow.replica));
    assert.deepEqual(await slow.rejoin(sockets), [], 'a rejoin with nothing lost reports no one');
  });

  it('a clean stop leaves the registry; with sockets still recorded, it leaves them to the others at once', async () => {
    const [survivor, empty, busy] = [await started(), await started(), await started()];
    const user = nextUser++;
    await busy.admit(user, 'late');
    await empty.deregister();
    await busy.deregister();
    const { replicas, replicaHeartbeat, replicaSockets } = services.keys;
    assert.equal(await services.redis.sismember(replicas, empty.replica), 0);
    assert.equal(await services.redis.exists(replicaHeartbeat(empty.replica), replicaSockets(empty.replica)), 0);
    assert.ok((await survivor.lapsedReplicas()).includes(busy.replica), 'no waiting for its heartbeat to expire');
    assert.equal(await survivor.claim(busy.replica), true);
    assert.deepEqual(await cleanUp(survivor, busy), [user]);
  });
});
