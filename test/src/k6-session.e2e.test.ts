import assert from 'node:assert/strict';
import { register } from 'node:module';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { Session } from '@chat/contracts';
import { api, createRoom, registerUser } from './support/clients';
import { useCluster } from './support/fixture';
import { checkResults } from './support/k6-stubs/index';
import { samplesOf } from './support/k6-stubs/metrics';
import { openedSockets } from './support/k6-stubs/websockets';
import { eventually } from './support/wait';

/**
 * chat.js's VU code without k6: its `chatSession()` run in Node against a real cluster, with
 * `k6/websockets` backed by the `ws` package, `k6/timers` by Node's timers and k6's metrics and
 * checks recorded. What k6 would see: every session reaches `ready`, every send is acked and
 * echoed to both members, nothing is counted as an error, and once a session is over its socket is
 * closed and it leaves no timer running (k6 ends an iteration only when its event loop is empty).
 */

type Member = { token: string; id: number; email: string; nickname: string; room: number };
type Chat = { chatSession(member: Member, session: { holdMs: number; sendIntervalMs: number; maxMessages?: number }): void };

const activeTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
const values = (metric: string) => samplesOf(metric).map((sample) => sample.value);

describe('chat.js sessions on k6/websockets', () => {
  const t = useCluster({ gateways: 2 });
  let chat: Chat;
  let members: Member[] = [];

  before(async () => {
    const sessions: Session[] = [await registerUser(t.url), await registerUser(t.url)];
    const room = await createRoom(t.url, sessions[0], { name: 'k6 session room' });
    assert.equal((await api(t.url, 'POST', `/rooms/${room}/join`, { token: sessions[1].access_token })).status, 201);
    members = sessions.map((s) => ({ token: s.access_token, id: s.user.id, email: s.user.email ?? '', nickname: s.user.nickname, room }));
    Object.assign(globalThis, { __ENV: { BASE_URL: t.url, ACK_TIMEOUT_MS: '5000' }, __VU: 1, __ITER: 0 });
    register(pathToFileURL(join(__dirname, 'support/k6-loader.js')));
    chat = (await import(pathToFileURL(resolve(__dirname, '../../loadtest/chat.js')).href)) as Chat;
  });

  it('two members chat for a few seconds: all acked and delivered, no errors, sockets closed, no timer left', async () => {
    await sleep(50);
    const timersBefore = activeTimers();
    // The listener is in the room before the sender starts, and stays past the sender's last
    // message: a send made while the other member is not (yet, or any more) there misses it, in k6
    // too, and would make the counts below depend on the machine's load.
    const [listener, sender] = members;
    chat.chatSession(listener, { holdMs: 8000, sendIntervalMs: 300, maxMessages: 0 });
    await eventually('the listener to be ready', () => Promise.resolve(values('chat_connected').length === 1), 10_000);
    chat.chatSession(sender, { holdMs: 2500, sendIntervalMs: 300, maxMessages: 4 });
    await eventually(
      'both sessions to close',
      () => Promise.resolve(openedSockets().length === 2 && openedSockets().every((s) => s.readyState === 3)),
      20_000,
    );
    await sleep(50);

    assert.deepEqual(values('chat_connected'), [1, 1]);
    const sent = values('chat_messages_sent').reduce((sum, n) => sum + n, 0);
    assert.equal(sent, 4, 'the sender sends four, the listener none');
    assert.equal(values('chat_acks_ok').length, sent);
    assert.ok(
      values('chat_acks_ok').every((v) => v === 1),
      'an ack was not ok',
    );
    assert.equal(values('chat_ack_latency').length, sent);
    // Every send is delivered to both members: once as the sender's own echo, once to the other.
    const deliveries = samplesOf('chat_delivery_latency');
    assert.equal(deliveries.filter((s) => s.tags.own === 'yes').length, sent);
    assert.equal(deliveries.filter((s) => s.tags.own === 'no').length, sent);
    assert.deepEqual(values('chat_delivered'), new Array<number>(sent).fill(1));
    assert.equal(values('chat_connect_latency').length, 2);
    const errors = samplesOf('chat_errors').filter((s) => s.value !== 0);
    assert.deepEqual(errors, [], 'errors were counted');
    for (const [name, tally] of checkResults()) assert.equal(tally.fails, 0, `check "${name}" failed ${tally.fails} times`);
    assert.equal(checkResults().get('websocket opened')?.passes, 2);
    assert.equal(activeTimers(), timersBefore, 'a session left a timer running: its k6 iteration would never end');
  });

  it('a refused token is a failed session: connect_error counted, chat_connected false, and it still ends', async () => {
    const timersBefore = activeTimers();
    const opened = openedSockets().length;
    chat.chatSession({ ...members[0], token: 'not-a-token' }, { holdMs: 2000, sendIntervalMs: 400 });
    await eventually(
      'the refused session to close',
      () => Promise.resolve(openedSockets().length === opened + 1 && openedSockets()[opened].readyState === 3),
      10_000,
    );
    await sleep(50);
    assert.deepEqual(values('chat_connected').slice(2), [0]);
    assert.equal(samplesOf('chat_errors').filter((s) => s.tags.kind === 'connect_error').length, 1);
    assert.equal(checkResults().get('socket accepted')?.fails, 1);
    assert.equal(activeTimers(), timersBefore, 'the refused session left a timer running');
  });
});
