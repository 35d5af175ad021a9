import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, disconnected, nextEvent, type RealtimeServer, startRealtimeServer, type TestClient } from '../testing/realtime-server';
import { RealtimeRepository } from './realtime.repository';

describe('RealtimeRepository (Socket.IO)', () => {
  const cleanups: (() => unknown)[] = [];
  let server: RealtimeServer;
  let realtime: RealtimeRepository;
  let nextId = 1;

  before(async () => {
    server = await startRealtimeServer({ onClose: (cleanup) => cleanups.push(cleanup) });
    realtime = server.realtime;
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /**
   * What each client received of `room_deleted` up to a marker sent to it afterwards: a socket
   * gets its events in order, so once the marker is in, anything sent before it would be too.
   */
  async function receivedBy(clients: TestClient[], send: () => void): Promise<number[][]> {
    const received = clients.map((client) => collect(client, 'room_deleted'));
    const markers = clients.map((client) => nextEvent(client, 'presence'));
    send();
    for (const client of clients) {
      const userId = Number((client.auth as { userId: number }).userId);
      realtime.clientSend({ user: userId }, 'presence', { roomId: 0, userId, online: true });
    }
    await Promise.all(markers);
    for (const client of clients) client.off('room_deleted');
    return received.map((events) => events.map((e) => e.roomId));
  }

  it("reaches every socket of a user, on the user's audience, and no one else", async () => {
    const [user, other] = [nextId++, nextId++];
    const clients = [await server.connect(user), await server.connect(user), await server.connect(other)];
    const received = await receivedBy(clients, () => realtime.clientSend({ user }, 'room_deleted', { roomId: 7 }));
    assert.deepEqual(received, [[7], [7], []]);
  });

  it("reaches a room's sockets and the listed users' other sockets, each socket once", async () => {
    const roomId = nextId++;
    const [inRoom, listed, alsoListed, outsider] = [nextId++, nextId++, nextId++, nextId++];
    const clients = [
      await server.connect(inRoom, { rooms: [roomId] }),
      await server.connect(listed),
      await server.connect(alsoListed, { rooms: [roomId] }),
      await server.connect(outsider),
    ];
    const received = await receivedBy(clients, () =>
      realtime.clientSend({ room: roomId, users: [listed, alsoListed] }, 'room_deleted', { roomId }),
    );
    assert.deepEqual(received, [[roomId], [roomId], [roomId], []]);
  });

  it("takes a user's sockets out of a room, and every socket out of a closed room", async () => {
    const roomId = nextId++;
    const [leaving, staying] = [nextId++, nextId++];
    const clients = [await server.connect(leaving, { rooms: [roomId] }), await server.connect(staying, { rooms: [roomId] })];
    realtime.removeFromRoom(leaving, roomId);
    assert.deepEqual(await receivedBy(clients, () => realtime.clientSend({ room: roomId }, 'room_deleted', { roomId })), [[], [roomId]]);
    realtime.closeRoom(roomId);
    assert.deepEqual(await receivedBy(clients, () => realtime.clientSend({ room: roomId }, 'room_deleted', { roomId })), [[], []]);
  });

  it('disconnects the sockets opened with one token, then every socket of the user', async () => {
    const user = nextId++;
    const loggedOut = await server.connect(user, { jti: 'logged-out' });
    const other = await server.connect(user, { jti: 'still-valid' });
    const gone = disconnected(loggedOut);
    await realtime.disconnectToken(user, 'logged-out');
    await gone;
    assert.equal(other.connected, true);
    const alsoGone = disconnected(other);
    realtime.disconnectUser(user);
    await alsoGone;
    assert.ok([...realtime.localSockets()].every((socket) => socket.data.user.id !== user));
  });

  it('refuses to send before Socket.IO is attached', () => {
    assert.throws(() => new RealtimeRepository().clientSend({ user: 1 }, 'room_deleted', { roomId: 1 }), /not initialised/);
  });
});
