import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { type ChatClient, login, nextEvent, request, upgraded } from './support/clients';
import { useCluster } from './support/fixture';
import { itRelaysAcrossReplicas } from './support/relay';

/** Single-host mode: node:cluster + @socket.io/sticky in place of nginx, same apps otherwise. */
describe('single-host mode (node:cluster + @socket.io/sticky)', { timeout: 180_000 }, () => {
  const t = useCluster({ mode: 'sticky', gateways: 2 });

  itRelaysAcrossReplicas(t, 'sticky');

  it('keeps a polling-first client on its worker through handshake and upgrade, 20 times in a row', async () => {
    const { access_token } = await login(t.url, 'postman1@test.com');
    for (let i = 0; i < 20; i++) {
      const socket: ChatClient = io(t.url, { auth: { token: access_token }, transports: ['polling', 'websocket'], reconnection: false });
      const errors: string[] = [];
      socket.on('connect_error', (error) => errors.push(error.message));
      try {
        await nextEvent(socket, 'ready', () => true, 10_000);
        await upgraded(socket);
        assert.equal((await request(socket, 'join_room', 1)).ok, true);
      } finally {
        socket.close();
      }
      assert.deepEqual(errors, [], `attempt ${i + 1}`);
    }
  });
});
