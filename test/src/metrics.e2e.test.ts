import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { api, createRoom, registerUser, request, send } from './support/clients';
import { useCluster } from './support/fixture';
import { parseExposition, runPromtool, type Sample, total } from './support/promtool';
import { socketOnReplica } from './support/sockets';
import { eventually } from './support/wait';

/**
 * What Prometheus scrapes from each gateway and the worker: valid for promtool (parse and lint),
 * with the signals an on-call engineer reads first, moved by real traffic, and labelled by route
 * patterns, event names and codes, never by ids or by names a client made up.
 */
describe('metrics', () => {
  const t = useCluster({ gateways: 2, env: { RATE_LIMIT_LOGIN_PER_MINUTE: '3' } });

  const scrape = async (url: string): Promise<string> => {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200, url);
    return response.text();
  };
  const gateways = async (): Promise<Sample[][]> => Promise.all(t.metricsUrls.map(async (url) => parseExposition(await scrape(url))));
  const worker = async (): Promise<Sample[]> => parseExposition(await scrape(`${t.cluster.workerHealthUrl}/metrics`));

  it('passes promtool check metrics on every gateway and the worker, with no lint problem', async () => {
    for (const url of [...t.metricsUrls, `${t.cluster.workerHealthUrl}/metrics`]) {
      const { status, output } = await runPromtool(['check', 'metrics'], await scrape(url));
      assert.equal(status, 0, `${url}: ${output}`);
      assert.equal(output, '', url);
    }
  });

  it('counts HTTP requests by route pattern and status, and times them', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner, { name: 'metrics room' });
    assert.equal((await api(t.url, 'GET', `/rooms/${room}`, { token: owner.access_token })).status, 200);
    assert.equal((await api(t.url, 'GET', '/rooms/987654321', { token: owner.access_token })).status, 404);
    // Past nginx, which answers unknown prefixes itself.
    assert.equal((await api(`http://127.0.0.1:${t.cluster.replicas[0].port}`, 'GET', '/rooms/4242/no/such/path')).status, 404);

    const samples = await gateways();
    assert.ok(total(samples, 'chat_http_requests_total', { method: 'POST', route: '/auth/register', status: '201' }) >= 1);
    assert.ok(total(samples, 'chat_http_requests_total', { method: 'GET', route: '/rooms/:id', status: '200' }) >= 1);
    assert.ok(total(samples, 'chat_http_requests_total', { method: 'GET', route: '/rooms/:id', status: '404' }) >= 1);
    assert.ok(total(samples, 'chat_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }) >= 1);
    assert.ok(total(samples, 'chat_http_request_duration_seconds_count', { method: 'GET', route: '/rooms/:id' }) >= 2);
    const routes = new Set(samples.flat().flatMap((s) => (s.name === 'chat_http_requests_total' ? [s.labels.route] : [])));
    for (const route of routes) assert.doesNotMatch(route, /\d/, `a route label holds an id or a client's path: ${route}`);
  });

  it('counts socket connections, events by outcome, their ack latency, broadcasts and deliveries', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner, { name: 'metrics sockets' });
    const before = await gateways();
    const socket = await socketOnReplica(t, owner, 0, room);
    await send(socket, room, 'counted');
    const refused = await request(socket, 'message', { room, msg: '' });
    assert.equal(refused.ok, false);
    // An event nobody handles, under a name the client made up: counted, never as its own label.
    const invented = `made_up_${Date.now()}`;
    await new Promise((done) =>
      (socket as unknown as { emit(e: string, a: unknown, ack: () => void): void }).emit(invented, {}, () => done(undefined)),
    );

    const replica = [(await gateways())[0]];
    const was = [before[0]];
    const grew = (name: string, labels: Record<string, string>) => total(replica, name, labels) - total(was, name, labels);
    assert.equal(grew('chat_socket_connects_total', {}), 1);
    assert.equal(grew('chat_sockets_connected', {}), 1);
    assert.equal(grew('chat_socket_events_total', { event: 'join_room', outcome: 'ok' }), 1);
    assert.equal(grew('chat_socket_events_total', { event: 'message', outcome: 'ok' }), 1);
    assert.equal(grew('chat_socket_events_total', { event: 'message', outcome: 'VALIDATION_FAILED' }), 1);
    assert.equal(grew('chat_socket_events_total', { event: 'unknown', outcome: 'VALIDATION_FAILED' }), 1);
    assert.equal(grew('chat_socket_event_duration_seconds_count', { event: 'message' }), 2);
    assert.ok(grew('chat_socket_event_duration_seconds_sum', { event: 'message' }) > 0);
    assert.equal(grew('chat_broadcasts_total', { event: 'message' }), 1);
    assert.equal(grew('chat_socket_deliveries_total', { event: 'ready' }), 1);
    assert.equal(grew('chat_socket_deliveries_total', { event: 'message' }), 1, "the sender's own echo");
    const text = await scrape(t.metricsUrls[0]);
    assert.ok(!text.includes(invented), 'a made-up event name became a label value');

    socket.disconnect();
    const reason = { reason: 'client_namespace_disconnect' };
    await eventually(
      'the disconnect to be counted',
      async () => {
        const now = [(await gateways())[0]];
        const disconnects = total(now, 'chat_socket_disconnects_total', reason) - total(was, 'chat_socket_disconnects_total', reason);
        return disconnects === 1 && total(now, 'chat_sockets_connected') === total(was, 'chat_sockets_connected');
      },
      5_000,
    );
  });

  it('counts rate-limit refusals by limiter', async () => {
    const email = `nobody-${Date.now()}@example.test`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await api(t.url, 'POST', '/auth/login', { body: { email, password: 'wrong password' } })).status);
    assert.ok(statuses.includes(429), `no 429 in ${statuses.join(', ')}`);
    assert.ok(total(await gateways(), 'chat_rate_limited_total', { limiter: 'login' }) >= 1);
  });

  it('reports readiness, drain state, and queue depth per state on the worker', async () => {
    // Readiness is checked at each scrape, and a scrape does not move the statement count it reports.
    const statements = async () => total([parseExposition(await scrape(t.metricsUrls[0]))], 'chat_db_queries_total');
    const first = await statements();
    assert.equal(await statements(), first);
    for (const samples of await gateways()) {
      assert.equal(total([samples], 'chat_gateway_ready'), 1);
      assert.equal(total([samples], 'chat_gateway_draining'), 0);
      for (const connection of ['commands', 'queue', 'pub', 'sub'])
        assert.equal(total([samples], 'chat_redis_connection_up', { connection }), 1, connection);
    }
    await eventually('messages to be persisted', async () => total([await worker()], 'chat_messages_persisted_total') >= 1, 10_000);
    const samples = await eventually('the queue to be drained', async () => {
      const now = [await worker()];
      return total(now, 'chat_queue_jobs', { queue: 'chat-messages', state: 'waiting' }) === 0 && now;
    });
    for (const queue of ['chat-messages', 'chat-messages-dead']) {
      const states = samples[0].filter((s) => s.name === 'chat_queue_jobs' && s.labels.queue === queue).map((s) => s.labels.state);
      assert.deepEqual(states.sort(), ['active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting', 'waiting-children'], queue);
    }
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      assert.equal(total(samples, 'chat_queue_jobs', { queue: 'chat-messages-dead', state }), 0, state);
    }
    assert.equal(total(samples, 'chat_messages_dead_lettered_total'), 0);
  });

  it('shows a Redis outage: readiness 0, connections down, errors and reconnects counted; and the recovery', async () => {
    const errorsBefore = total(await gateways(), 'chat_redis_errors_total', { connection: 'pub' });
    await t.stopRedis();
    try {
      await eventually(
        'the outage to show',
        async () => {
          const samples = await gateways();
          return samples.every(
            (s) => total([s], 'chat_gateway_ready') === 0 && total([s], 'chat_redis_connection_up', { connection: 'pub' }) === 0,
          );
        },
        20_000,
        500,
      );
      const samples = await gateways();
      assert.ok(total(samples, 'chat_redis_errors_total', { connection: 'pub' }) > errorsBefore);
    } finally {
      await t.startRedis();
    }
    await eventually(
      'the recovery to show',
      async () =>
        (await gateways()).every(
          (s) => total([s], 'chat_gateway_ready') === 1 && total([s], 'chat_redis_connection_up', { connection: 'sub' }) === 1,
        ),
      30_000,
      500,
    );
    assert.ok(total(await gateways(), 'chat_redis_reconnects_total', { connection: 'pub' }) >= 1);
  });
});
