import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { api, createRoom, registerUser } from './support/clients';
import { useCluster } from './support/fixture';
import { repoRoot } from './support/test-cluster';

/**
 * The OpenAPI document as a running cluster serves it at /api-json: Redocly's `recommended` rules
 * (redocly.yaml), and what the document claims checked against what the server does: which
 * operations need a token, which answer 413 to a large body, the 409 of a reused clientMsgId.
 */

/** A parameter example as it goes into a URL (the document's examples are strings and numbers). */
const asText = (example: unknown) => (typeof example === 'string' || typeof example === 'number' ? String(example) : undefined);

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema?: { type?: string; example?: unknown }; example?: unknown }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description?: string; headers?: Record<string, unknown> }>;
}

interface Document {
  info: { license?: { name: string } };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: 'error' | 'warn'; message: string; location: { pointer: string }[] }[];
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

function operations(doc: Document): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

const label = ({ method, path }: { method: string; path: string }) => `${method.toUpperCase()} ${path}`;

/** A request target for the operation: each path parameter from its example, or a value of its type. */
function target(path: string, op: Operation, query: 'with-examples' | 'none' = 'none'): string {
  const value = (name: string) => {
    const parameter = op.parameters?.find((p) => p.in === 'path' && p.name === name);
    return asText(parameter?.example ?? parameter?.schema?.example) ?? (parameter?.schema?.type === 'string' ? 'x' : '1');
  };
  const resolved = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(value(name)));
  if (query === 'none') return resolved;
  const params = new URLSearchParams();
  for (const p of op.parameters ?? []) {
    const example = asText(p.example ?? p.schema?.example);
    if (p.in === 'query' && example !== undefined) params.set(p.name, example);
  }
  const search = params.toString();
  return search ? `${resolved}?${search}` : resolved;
}

/** Needs a bearer token: a security requirement, and no empty one (which admits anonymous callers). */
const needsToken = (op: Operation) => (op.security ?? []).length > 0 && !op.security!.some((r) => Object.keys(r).length === 0);

async function lint(doc: Document): Promise<LintReport> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const cli = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');
    const run = promisify(execFile)(process.execPath, [cli, 'lint', file, '--config', join(repoRoot, 'redocly.yaml'), '--format=json'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
    // Exit code 1 means problems were found; the report is on stdout either way.
    const { stdout } = await run.catch((error: Error & { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`redocly lint did not report: ${error.message}\n${error.stderr ?? ''}`);
      return { stdout: error.stdout };
    });
    return JSON.parse(stdout) as LintReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('OpenAPI document', { timeout: 120_000 }, () => {
  const t = useCluster({ gateways: 1 });
  let doc: Document;
  before(async () => {
    const answer = await api<Document>(t.url, 'GET', '/api-json');
    assert.equal(answer.status, 200);
    doc = answer.body;
  });

  it("passes Redocly's recommended rules with no errors; the only warnings are the health checks' lack of a 4xx", async () => {
    const report = await lint(doc);
    const shown = (severity: string) =>
      report.problems
        .filter((p) => p.severity === severity)
        .map((p) => `${p.ruleId} ${p.location.map((l) => l.pointer).join(', ')}: ${p.message}`)
        .join('\n');
    assert.equal(report.totals.errors, 0, shown('error'));
    // Liveness and readiness answer 200 or 503 and nothing else: there is no client error to document.
    const unexpected = report.problems.filter(
      (p) =>
        p.severity === 'warn' &&
        !(p.ruleId === 'operation-4xx-response' && p.location.every((l) => /^#\/paths\/~1health~1(live|ready)\//.test(l.pointer))),
    );
    assert.deepEqual(unexpected, [], shown('warn'));
  });

  it('names every operation `<resource>.<action>`, each name once, and gives each a summary and a description', () => {
    const all = operations(doc);
    assert.ok(all.length >= 40, `${all.length} operations`);
    const ids = all.map(({ op }) => op.operationId);
    for (const [i, { op }] of all.entries()) {
      assert.match(op.operationId ?? '', /^[a-z]+(\.[a-z][a-zA-Z]*)+$/, label(all[i]));
      assert.ok(op.summary?.trim(), `${label(all[i])}: summary`);
      assert.ok(op.description?.trim(), `${label(all[i])}: description`);
    }
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
      'duplicate operationIds',
    );
    assert.equal(
      doc.paths['/rooms/{id}/messages']?.get?.operationId,
      'rooms.messages.list',
      'the history keeps its name (generated clients call it by it)',
    );
  });

  it('states the security of every operation, and the server agrees: anonymous calls get 401 exactly where a token is required', async () => {
    const all = operations(doc);
    const results = await Promise.all(
      all.map(async (entry) => {
        // With the query examples: a download's are a signed link's parameters, which stand in for a token.
        const answer = await api<{ code?: string }>(t.url, entry.method.toUpperCase(), target(entry.path, entry.op, 'with-examples'));
        return { entry, answer };
      }),
    );
    for (const { entry, answer } of results) {
      const { op } = entry;
      assert.ok(Array.isArray(op.security), `${label(entry)}: security is stated (\`[]\` when public)`);
      if (needsToken(op)) {
        assert.deepEqual(op.security, [{ bearer: [] }], label(entry));
        assert.equal(answer.status, 401, `${label(entry)} without a token: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.code, 'UNAUTHORIZED', label(entry));
      } else {
        assert.notEqual(answer.status, 401, `${label(entry)} is documented as public: ${JSON.stringify(answer.body)}`);
        assert.ok(answer.status < 500, `${label(entry)}: ${answer.status}`);
      }
    }
    const publicOnes = results.filter(({ entry }) => !needsToken(entry.op)).map(({ entry }) => label(entry));
    for (const route of ['POST /auth/register', 'POST /auth/login', 'POST /auth/guest', 'GET /health/live', 'GET /health/ready']) {
      assert.ok(publicOnes.includes(route), `${route} is public`);
      const [method, path] = route.split(' ');
      assert.deepEqual(doc.paths[path][method.toLowerCase()].security, [], `${route}: security: []`);
    }
    for (const path of ['/attachments/{id}', '/attachments/{id}/thumbnail']) {
      // A signed link, or a member's bearer token.
      assert.deepEqual(doc.paths[path].get.security, [{}, { bearer: [] }], path);
    }
  });

  it('documents 413 on every operation that takes a JSON body, which the server answers to a body over 64 KiB', async () => {
    const withJson = operations(doc).filter(({ op }) => op.requestBody?.content['application/json']);
    assert.ok(doc.paths['/rooms/{id}/messages'].post.requestBody?.content['application/json'], 'sending takes JSON');
    const body = JSON.stringify({ padding: 'x'.repeat(70 * 1024) });
    for (const entry of withJson) {
      assert.match(entry.op.responses['413']?.description ?? '', /PAYLOAD_TOO_LARGE/, `${label(entry)}: 413 documented`);
      const answer = await fetch(`${t.url}${target(entry.path, entry.op)}`, {
        method: entry.method.toUpperCase(),
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const error = (await answer.json()) as { code?: string };
      assert.equal(answer.status, 413, label(entry));
      assert.equal(error.code, 'PAYLOAD_TOO_LARGE', label(entry));
    }
    const upload = doc.paths['/rooms/{id}/attachments'].post;
    assert.match(upload.responses['413']?.description ?? '', /ATTACHMENT_MAX_BYTES/, 'uploads: 413 over ATTACHMENT_MAX_BYTES');
  });

  it('documents the 409 of a clientMsgId reused in another room, which the server answers', async () => {
    const send = doc.paths['/rooms/{id}/messages'].post;
    assert.match(send.responses['409']?.description ?? '', /CONFLICT.*clientMsgId/, 'POST /rooms/{id}/messages: 409');
    const owner = await registerUser(t.url);
    const [first, second] = [await createRoom(t.url, owner), await createRoom(t.url, owner)];
    const clientMsgId = `openapi-${randomUUID()}`;
    const sent = await api(t.url, 'POST', `/rooms/${first}/messages`, {
      token: owner.access_token,
      body: { content: 'hello', clientMsgId },
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const reused = await api<{ code: string }>(t.url, 'POST', `/rooms/${second}/messages`, {
      token: owner.access_token,
      body: { content: 'hello', clientMsgId },
    });
    assert.equal(reused.status, 409, JSON.stringify(reused.body));
    assert.equal(reused.body.code, 'CONFLICT');

    assert.match(doc.paths['/auth/register'].post.responses['409']?.description ?? '', /CONFLICT/, 'register: email taken');
    assert.match(doc.paths['/rooms/{id}/join'].post.responses['409']?.description ?? '', /CONFLICT/, 'join: concurrent join');
    // Every 429 says when to come back.
    for (const entry of operations(doc).filter(({ op }) => op.responses['429'])) {
      assert.ok(entry.op.responses['429'].headers?.['Retry-After'], `${label(entry)}: 429 with Retry-After`);
    }
  });

  it('names a server, the license of package.json, and keeps the Swagger UI token across reloads', async () => {
    assert.ok((doc.servers ?? []).length > 0, 'servers');
    const { license } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { license: string };
    assert.equal(doc.info.license?.name, license);
    const init = await fetch(`${t.url}/api/swagger-ui-init.js`);
    assert.equal(init.status, 200);
    assert.match(await init.text(), /"persistAuthorization": true/);
  });
});
