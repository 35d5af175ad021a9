import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { JobName, type JobPayloads, QueueName, type Session } from '@chat/contracts';
import { bullConnection } from '@chat/redis';
import { api, login, registerUser } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/**
 * The dead-letter UI (bull-board at /admin/queues) through nginx: site admins only, a cookie that
 * goes nowhere else, no way to rewrite or drop queued messages; and a dead letter retried from it
 * is stored, once, however often it is retried.
 */
describe('dead-letter UI', () => {
  const t = useCluster();
  let admin: Session;
  let member: Session;
  let deadLetters: Queue;
  let messages: Queue<JobPayloads[typeof JobName.PersistMessage]>;

  before(async () => {
    admin = await login(t.url, 'admin@test.com');
    member = await registerUser(t.url);
    const connection = () => bullConnection(t.redisUrl, 'producer') as ConnectionOptions;
    messages = new Queue(QueueName.Messages, { connection: connection(), prefix: t.keys.bullPrefix });
    deadLetters = new Queue(QueueName.DeadLetters, { connection: connection(), prefix: t.keys.bullPrefix });
    // Closed before the cluster (and its Redis) stops.
    for (const queue of [messages, deadLetters]) {
      t.track({
        close: async () => {
          await queue.close();
          if (queue.opts.connection instanceof Cluster) await queue.opts.connection.quit();
        },
      });
    }
  });

  const board = (path: string, init: { method?: string; token?: string; cookie?: string } = {}) =>
    fetch(`${t.url}/admin/queues${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.cookie ? { cookie: init.cookie } : {}),
      },
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
  const openSession = async (session: Session) => {
    const response = await fetch(`${t.url}/admin/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    return { status: response.status, setCookie: response.headers.get('set-cookie') ?? '' };
  };

  it('answers nobody but a site admin: not anonymously, not a member, by token or by cookie', async () => {
    for (const path of ['', '/', '/api/queues', '/static/js/main.js']) {
      const anonymous = await board(path);
      assert.equal(anonymous.status, 401, path);
      assert.equal(((await anonymous.json()) as { code: string }).code, 'UNAUTHORIZED');
      const byMember = await board(path, { token: member.access_token });
      assert.equal(byMember.status, 403, path);
      assert.equal(((await byMember.json()) as { code: string }).code, 'FORBIDDEN');
      assert.equal((await board(path, { cookie: `chat_admin=${member.access_token}` })).status, 403, path);
    }
    assert.equal((await openSession(member)).status, 403, 'a member gets no cookie');
    assert.equal((await board('/api/queues', { cookie: 'chat_admin=forged' })).status, 401);
  });

  it('opens in a browser from a cookie sent only to /admin/queues, HttpOnly and SameSite=Strict, which logging out ends', async () => {
    const session = await login(t.url, 'admin@test.com');
    const { status, setCookie } = await openSession(session);
    assert.equal(status, 204);
    assert.match(setCookie, /^chat_admin=[^;]+;/);
    assert.match(setCookie, /Path=\/admin\/queues(;|$)/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Max-Age=\d+/);
    const cookie = setCookie.split(';')[0];

    const page = await board('', { cookie });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const queues = (await (await board('/api/queues', { cookie })).json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    assert.deepEqual(queues.queues.map((q) => [q.name, q.readOnlyMode]).sort(), [
      ['chat-messages', true],
      ['chat-messages-dead', false],
    ]);

    const closed = await fetch(`${t.url}/admin/session`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    assert.equal(closed.status, 204);
    assert.match(closed.headers.get('set-cookie') ?? '', /^chat_admin=;.*Path=\/admin\/queues.*Expires=Thu, 01 Jan 1970/);

    assert.equal((await api(t.url, 'POST', '/auth/logout', { token: session.access_token })).status, 204);
    assert.equal((await board('/api/queues', { cookie })).status, 401, "a logged-out token's cookie opens nothing");
  });

  it('cannot change what it must not: the live queue, job data, adding, emptying, obliterating', async () => {
    const token = admin.access_token;
    const refused: [string, string][] = [
      ['PUT', '/api/queues/chat-messages/pause'],
      ['PUT', '/api/queues/chat-messages/empty'],
      ['PUT', '/api/queues/chat-messages-dead/empty'],
      ['PUT', '/api/queues/chat-messages-dead/obliterate'],
      ['POST', '/api/queues/chat-messages-dead/add'],
      ['PATCH', '/api/queues/chat-messages-dead/some-job/update-data'],
      ['PUT', '/api/queues/pause'],
      ['PUT', '/api/queues/chat-messages/some-job/retry'],
    ];
    for (const [method, path] of refused) assert.equal((await board(path, { method, token })).status, 405, `${method} ${path}`);
    assert.equal(await messages.isPaused(), false);
  });

  it('retries a dead letter into MySQL: a failing retry parks it again, a good one stores it, a second stores nothing more', async () => {
    const roomId = 900_000 + Math.floor(Math.random() * 90_000);
    const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const id = `01J${Array.from({ length: 23 }, () => crockford[Math.floor(Math.random() * 32)]).join('')}`;
    const token = admin.access_token;
    // The room does not exist yet: MySQL refuses the row (foreign key) on every attempt.
    await messages.add(
      JobName.PersistMessage,
      {
        id,
        roomId,
        seq: 1,
        senderId: null,
        type: 'chat',
        content: 'from the dead',
        clientMsgId: null,
        createdAt: new Date().toISOString(),
      },
      { jobId: id, attempts: 2, backoff: { type: 'fixed', delay: 50 } },
    );
    await eventually('the dead letter to be parked as failed', async () => (await deadLetters.getJobState(id)) === 'failed', 20_000, 200);
    const rows = async () => {
      const [found] = await t.db.query<RowDataPacket[]>('SELECT id FROM messages WHERE id = ?', [id]);
      return found.length;
    };
    const parked = await deadLetters.getJob(id);
    assert.match(parked?.failedReason ?? '', /dead letter, retry it from \/admin\/queues/);

    // Retried while the room is still missing: it fails again and stays for the next try.
    assert.equal((await board(`/api/queues/chat-messages-dead/${id}/retry`, { method: 'PUT', token })).status, 204);
    await eventually(
      'the retry to fail',
      async () => (await deadLetters.getJobState(id)) === 'failed' && (await deadLetters.getJob(id))?.failedReason?.includes('foreign key'),
      20_000,
      200,
    );
    assert.equal(await rows(), 0);

    await t.db.query('INSERT INTO rooms (id, name) VALUES (?, ?)', [roomId, 'revived']);
    assert.equal((await board(`/api/queues/chat-messages-dead/${id}/retry`, { method: 'PUT', token })).status, 204);
    await eventually('the retry to store it', async () => (await deadLetters.getJobState(id)) === 'completed', 20_000, 200);
    assert.equal(await rows(), 1);

    // Retrying a stored one again is harmless: the insert is idempotent.
    assert.equal((await board(`/api/queues/chat-messages-dead/${id}/retry`, { method: 'PUT', token })).status, 204);
    await eventually('the second retry to finish', async () => (await deadLetters.getJobState(id)) === 'completed', 20_000, 200);
    assert.equal(await rows(), 1);
    const [room] = await t.db.query<RowDataPacket[]>('SELECT last_message_id, last_seq FROM rooms WHERE id = ?', [roomId]);
    assert.deepEqual({ ...room[0] }, { last_message_id: id, last_seq: 1 });
  });
});
