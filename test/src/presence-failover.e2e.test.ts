import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { MemberView, PresenceEvent, Session } from '@chat/contracts';
import type { RedisClient } from '@chat/redis';
import { api, type ChatClient, connect, createRoom, nextEvent, registerUser, send, socketIn } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/** API.md v2, live room state: a dead replica's users with no other live socket are announced offline within this. */
const OFFLINE_WITHIN_MS = 60_000;
const FIRST = 'gateway-1';

/**
 * Presence when a gateway replica stops without a goodbye: two replicas, each client connected
 * to one of them directly (so which replica holds which socket is known), the default
 * PRESENCE_HEARTBEAT_MS. A replica that is only paused (SIGSTOP) is announced offline too, and
 * records its sockets again when it resumes; one that is killed (SIGKILL) is cleaned up by the
 * other, which announces offline only the users with no socket left. One stopped cleanly
 * (SIGTERM) leaves the registry itself.
 *
 * About a minute: each fault waits out the heartbeat's TTL (15 s) and a jittered look.
 */
describe('presence when a gateway replica dies', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });
  let redis: RedisClient;

  before(() => {
    redis = t.track(t.redis());
  });

  /** A socket of `session` on replica `index` (0 or 1), joined to `room`. */
  async function socketOn(index: number, session: Session, room: number): Promise<ChatClient> {
    const replica = t.cluster.replicas[index];
    const socket = await socketIn(
      {
        connect: async (token) => {
          const client = await connect(`http://127.0.0.1:${replica.port}`, token);
          t.track(client.socket);
          assert.equal(client.ready.replica, replica.name);
          return client;
        },
      },
      session,
      room,
    );
    return socket;
  }

  const presenceOf = (socket: ChatClient) => {
    const events: PresenceEvent[] = [];
    socket.on('presence', (event) => events.push(event));
    return events;
  };
  const wentOffline = (socket: ChatClient, room: number, user: Session, timeoutMs = OFFLINE_WITHIN_MS) =>
    nextEvent(socket, 'presence', (e) => e.roomId === room && e.userId === user.user.id && !e.online, timeoutMs);
  /** Who is online in `room`, asked of the second replica: nginx cannot tell that a paused one will not answer. */
  const online = async (viewer: Session, room: number) => {
    const base = `http://127.0.0.1:${t.cluster.replicas[1].port}`;
    const { status, body } = await api<MemberView[]>(base, 'GET', `/rooms/${room}/members`, { token: viewer.access_token });
    assert.equal(status, 200);
    return new Map(body.map((member) => [member.userId, member.online]));
  };
  /** The first replica's entries in the registry (one per process it ran). */
  const registered = async () => (await redis.smembers(t.keys.replicas)).filter((id) => id.startsWith(`${FIRST}.`));

  it('a paused replica: its users are announced offline, then online again when it resumes, their sockets kept', async () => {
    const [alone, watcher] = [await registerUser(t.url), await registerUser(t.url)];
    const room = await createRoom(t.url, watcher, { invitedUserIds: [alone.user.id] });
    const watching = await socketOn(1, watcher, room);
    const paused = await socketOn(0, alone, room);

    const offline = wentOffline(watching, room, alone);
    const pausedAt = Date.now();
    t.cluster.supervisor.signal(FIRST, 'SIGSTOP');
    try {
      await offline;
      console.log(`  ${FIRST} paused: offline announced ${((Date.now() - pausedAt) / 1000).toFixed(1)} s later`);
      assert.equal((await online(watcher, room)).get(alone.user.id), false);
      const back = nextEvent(watching, 'presence', (e) => e.userId === alone.user.id && e.online, 20_000);
      t.cluster.supervisor.signal(FIRST, 'SIGCONT');
      await back;
    } finally {
      t.cluster.supervisor.signal(FIRST, 'SIGCONT');
    }
    assert.equal((await online(watcher, room)).get(alone.user.id), true);
    assert.equal(paused.connected, true);
    await send(paused, room, 'still here');
  });

  it('a killed replica: users left with no socket are announced offline within 60 s, not one with a socket elsewhere', async () => {
    const [alone, watcher, twoTabs] = [await registerUser(t.url), await registerUser(t.url), await registerUser(t.url)];
    const room = await createRoom(t.url, watcher, { invitedUserIds: [alone.user.id, twoTabs.user.id] });
    const watching = await socketOn(1, watcher, room);
    await socketOn(0, alone, room);
    await socketOn(0, twoTabs, room);
    const otherTab = await socketOn(1, twoTabs, room);
    const seen = presenceOf(watching);
    assert.equal((await registered()).length, 1);

    const offline = wentOffline(watching, room, alone);
    const killedAt = Date.now();
    await t.cluster.supervisor.stopOne(FIRST, 'SIGKILL');
    await offline;
    const delay = Date.now() - killedAt;
    console.log(`  ${FIRST} killed: offline announced ${(delay / 1000).toFixed(1)} s later`);
    assert.ok(delay < OFFLINE_WITHIN_MS);

    // The cleanup is over once the dead replica's records are gone; its announcements were sent
    // before, so they reached the watcher ahead of the ack of a send that follows.
    await eventually('the dead replica to leave the registry', async () => (await registered()).length === 0, 30_000, 200);
    await send(watching, room, 'after the cleanup');
    assert.deepEqual(
      seen.filter((e) => e.userId === twoTabs.user.id && !e.online),
      [],
      'the user with a socket on the live replica was announced offline',
    );
    assert.equal(otherTab.connected, true);
    const members = await online(watcher, room);
    assert.deepEqual(
      [members.get(alone.user.id), members.get(twoTabs.user.id), members.get(watcher.user.id)],
      [false, true, true],
      'online: the killed replica’s user, the one with two tabs, the watcher',
    );
  });

  it('a replica stopped cleanly (SIGTERM) drains and deregisters; its users go offline as on any disconnect', async () => {
    t.cluster.supervisor.resume(FIRST);
    const ready = `http://127.0.0.1:${t.cluster.replicas[0].port}/health/ready`;
    await eventually(`${FIRST} to be ready again`, async () => (await fetch(ready).catch(() => undefined))?.ok, 30_000, 200);
    const [leaving, watcher] = [await registerUser(t.url), await registerUser(t.url)];
    const room = await createRoom(t.url, watcher, { invitedUserIds: [leaving.user.id] });
    const watching = await socketOn(1, watcher, room);
    await socketOn(0, leaving, room);
    const [replica] = await registered();
    assert.ok(replica, `${FIRST} registered anew`);

    const offline = wentOffline(watching, room, leaving, 15_000);
    const exit = (await t.cluster.supervisor.stopOne(FIRST, 'SIGTERM')) as { code: number | null } | undefined;
    assert.equal(exit?.code, 0);
    assert.equal(await redis.exists(t.keys.replicaHeartbeat(replica)), 0, 'its heartbeat is gone with it, not left to expire');
    await offline;
    await eventually(`${FIRST} out of the registry`, async () => (await registered()).length === 0, 10_000, 200);
  });
});
