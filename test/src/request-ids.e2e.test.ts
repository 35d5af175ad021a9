import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { MessageAccepted } from '@chat/contracts';
import { createRoom, registerUser, send, socketIn } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/** A process's JSON log line: `[name] {…}` as the supervisor prefixes it (with a colour). */
interface LogLine {
  process: string;
  entry: { msg?: string; reqId?: string; req?: { id?: string } };
}

const PREFIXED = /^\x1b\[\d+m\[([^\]]+)\]\x1b\[0m (\{.*\})$/;

/** One id from send to commit: nginx's `$request_id` (or the gateway's own) on the gateway's and the worker's lines. */
describe('request ids', { timeout: 60_000 }, () => {
  // Debug: the worker names each committed message (and its request) at debug level only.
  const t = useCluster({ gateways: 2, env: { LOG_LEVEL: 'debug' } });

  const logLine = (what: string, match: (line: LogLine) => boolean): Promise<LogLine> =>
    eventually(what, () => Promise.resolve(t.logs.map(parsed).find((line): line is LogLine => line !== undefined && match(line))));

  it('nginx replaces a client-sent X-Request-Id with its own, answers with it, and the gateway logs the request under it', async () => {
    const response = await fetch(`${t.url}/auth/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'chosen-by-the-client' },
      body: JSON.stringify({ nickname: 'traced' }),
    });
    assert.equal(response.status, 201);
    const id = response.headers.get('x-request-id');
    assert.match(id ?? '', /^[0-9a-f]{32}$/, "nginx's $request_id, once");
    // pino-http's line for the request, carrying the id as every line logged while it is handled does.
    await logLine(
      `the gateway's line for request ${id}`,
      ({ process, entry }) => process.startsWith('gateway-') && entry.req?.id === id && entry.reqId === id,
    );
    assert.ok(!t.logs.some((l) => l.includes('chosen-by-the-client')), 'the client-chosen id reaches no log');
  });

  it("a message sent with an X-Request-Id straight to a replica reaches the worker's log with that id", async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const requestId = `e2e-${randomUUID()}`;
    const response = await fetch(`http://127.0.0.1:${t.cluster.replicas[0].port}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.access_token}`, 'x-request-id': requestId },
      body: JSON.stringify({ content: 'followed from send to commit' }),
    });
    assert.equal(response.status, 202);
    assert.equal(response.headers.get('x-request-id'), requestId);
    const { id } = (await response.json()) as MessageAccepted;
    await logLine(
      `the worker's commit of ${id}`,
      ({ process, entry }) => process === 'worker' && (entry.msg ?? '').includes(`${id} (request ${requestId})`),
    );
  });

  it("a message sent over a socket carries its event's id, under the socket's handshake id, to the worker's log", async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const socket = t.track(await socketIn(t, owner, room));
    const { id } = await send(socket, room, 'over the socket');
    const committed = await logLine(
      `the worker's commit of ${id}`,
      ({ process, entry }) => process === 'worker' && (entry.msg ?? '').includes(`${id} (request `),
    );
    const [, handshake] = /\(request ([0-9a-f]{32}):\d+\)/.exec(committed.entry.msg ?? '') ?? [];
    assert.ok(handshake, `an event id under nginx's handshake id: ${committed.entry.msg}`);
    await logLine(`the connection under ${handshake}`, ({ entry }) => entry.msg === `socket ${socket.id} connected, request ${handshake}`);
  });
});

function parsed(line: string): LogLine | undefined {
  const [, process, json] = PREFIXED.exec(line) ?? [];
  if (!process || !json) return undefined;
  try {
    return { process, entry: JSON.parse(json) as LogLine['entry'] };
  } catch {
    return undefined;
  }
}
