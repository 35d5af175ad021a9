import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MessageStream, type PersistMessageJob } from '@chat/contracts';
import { createRoom, registerUser, request } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/** One span as an OTLP/HTTP JSON export names it, with its service (from its resource) beside it. */
interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  links?: { traceId: string; spanId: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** OTLP's SPAN_KIND_SERVER. */
const SERVER = 2;

/** The database a client span talks to, under the stable name or the older one. */
const dbSystem = (span: ExportedSpan): unknown => span.attributes['db.system.name'] ?? span.attributes['db.system'];

const attributesOf = (list: OtlpAttribute[] = []): Record<string, unknown> =>
  Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue]));

/** A collector of our own: what the apps export over OTLP/HTTP (JSON), kept in this process's memory. */
async function startCollector(): Promise<{ server: Server; url: string; spans: ExportedSpan[]; requests: string[] }> {
  const spans: ExportedSpan[] = [];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const { resource, scopeSpans = [] } of body.resourceSpans ?? []) {
          const service = String(attributesOf(resource?.attributes)['service.name']);
          for (const span of scopeSpans.flatMap((scope) => scope.spans ?? [])) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              attributes: attributesOf(span.attributes),
              links: (span.links ?? []).map((link) => ({ ...link, attributes: attributesOf(link.attributes) })),
              status: span.status?.code ?? 0,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests };
}

/** The messages waiting in the message stream (the worker stopped, so none is consumed). */
async function queuedJobs(t: ReturnType<typeof useCluster>): Promise<PersistMessageJob[]> {
  const redis = t.track(t.redis());
  const entries = await redis.xrange(t.keys.messageStream, '-', '+');
  return entries.flatMap(([, fields]) => JSON.parse(fields[fields.indexOf(MessageStream.field) + 1] ?? '[]') as PersistMessageJob[]);
}

describe('tracing', { timeout: 180_000 }, () => {
  describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
    let collector: Awaited<ReturnType<typeof startCollector>>;
    before(async () => {
      collector = await startCollector();
    });
    after(() => new Promise<void>((resolve) => collector.server.close(() => resolve())));
    const t = useCluster(() => ({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    }));

    it('one trace runs from the socket event on the gateway through the queue to the worker commit', async () => {
      const owner = await registerUser(t.url);
      const room = await createRoom(t.url, owner);
      const { socket } = await t.connect(owner.access_token);
      assert.ok((await request(socket, 'join_room', room)).ok);
      const ack = await request(socket, 'message', { room, msg: 'traced' });
      assert.ok(ack.ok, JSON.stringify(ack));
      const { id, seq } = ack.data;

      const isPersisted = (s: ExportedSpan) =>
        s.service === 'chat-worker' && s.name === 'persist message' && s.attributes['chat.message.id'] === id;
      const persisted = await eventually(
        'the worker span of the message',
        () => Promise.resolve(collector.spans.find(isPersisted)),
        15_000,
      );
      assert.equal(Number(persisted.attributes['chat.message.seq']), seq);
      assert.equal(Number(persisted.attributes['chat.room.id']), room);

      const send = collector.spans.find((s) => s.name === 'socket message' && s.attributes['chat.message.id'] === id);
      assert.ok(send, `a socket message span names ${id}`);
      assert.equal(send.service, 'chat-gateway');
      assert.equal(Number(send.attributes['chat.message.seq']), seq);
      assert.equal(persisted.traceId, send.traceId, 'the worker span is in the sender’s trace');
      assert.equal(persisted.parentSpanId, send.spanId, 'and is the child of the socket event’s span');

      const inTrace = collector.spans.filter((s) => s.traceId === send.traceId);
      assert.deepEqual([...new Set(inTrace.map((s) => s.service))].sort(), ['chat-gateway', 'chat-worker']);
      const names = inTrace.map((s) => `${s.service} ${s.name}`).join(', ');
      // The gateway's Redis calls, the stream append that queues the message among them.
      assert.ok(
        inTrace.some((s) => s.service === 'chat-gateway' && dbSystem(s) === 'redis' && s.name === 'xadd'),
        `the gateway's append to the message stream is in the trace: ${names}`,
      );
      assert.ok(
        inTrace.some((s) => s.service === 'chat-gateway' && dbSystem(s) === 'mysql'),
        `the gateway's MySQL reads are in the trace: ${names}`,
      );

      // The batch that committed it: its own trace (it commits messages of many), linked to this one.
      const [link] = persisted.links;
      assert.ok(link, 'the message span links its batch');
      const batch = collector.spans.find((s) => s.spanId === link.spanId);
      assert.ok(batch, 'the batch span was exported');
      assert.equal(batch.name, 'persist messages');
      assert.ok(batch.links.some((l) => l.traceId === send.traceId && l.attributes['chat.message.id'] === id));
      const queries = collector.spans.filter((s) => s.traceId === batch.traceId && dbSystem(s) === 'mysql');
      assert.ok(queries.length > 0, 'the batch’s MySQL statements are spans under it');

      // The HTTP instrumentation traces the REST calls too (the room was made with POST /rooms).
      const method = (s: ExportedSpan) => s.attributes['http.request.method'] ?? s.attributes['http.method'];
      assert.ok(collector.spans.some((s) => s.service === 'chat-gateway' && s.kind === SERVER && method(s) === 'POST'));
      assert.ok(
        collector.requests.every((r) => r.startsWith('POST /v1/traces application/json')),
        collector.requests.join('\n'),
      );
    });

    it("names each socket event's outcome on its span; a refusal is the client's, not a server error", async () => {
      const owner = await registerUser(t.url);
      const room = await createRoom(t.url, owner);
      const { socket } = await t.connect(owner.access_token);
      assert.ok((await request(socket, 'join_room', room)).ok);
      const refused = await request(socket, 'message', { room, msg: '' });
      assert.equal(refused.ok, false);
      const outcomeOf = (s: ExportedSpan) => s.attributes['chat.outcome'];
      const span = await eventually(
        'the refused send span',
        () => Promise.resolve(collector.spans.find((s) => s.name === 'socket message' && outcomeOf(s) === 'VALIDATION_FAILED')),
        15_000,
      );
      assert.equal(span.status, 0, 'unset, as for an HTTP 4xx on a server span');
      assert.ok(collector.spans.some((s) => s.name === 'socket join_room' && outcomeOf(s) === 'ok'));
    });
  });

  describe('by default (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
    const t = useCluster();

    it('jobs carry no trace context', async () => {
      const owner = await registerUser(t.url);
      const room = await createRoom(t.url, owner);
      const { socket } = await t.connect(owner.access_token);
      assert.ok((await request(socket, 'join_room', room)).ok);
      await t.cluster.supervisor.stopOne('worker', 'SIGKILL');
      const ack = await request(socket, 'message', { room, msg: 'untraced' });
      assert.ok(ack.ok, JSON.stringify(ack));
      const jobs = await queuedJobs(t);
      const job = jobs.find((j) => j.id === ack.data.id);
      assert.ok(job, 'the message is queued');
      assert.equal(job.requestId !== undefined, true, 'optional fields are carried as usual');
      assert.equal('trace' in job, false);
    });
  });
});
