import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { toErrorBody } from '../../common/app-error';
import { receiveUpload } from './receive-upload';
import type { ProcessedFile, ProcessedUpload, UploadLimits } from './upload-types';

/** How one request ended, and how many bytes of its connection the server read in all. */
export type Outcome = { upload: ProcessedUpload; bytesRead: number } | { error: unknown; bytesRead: number };

/**
 * A real HTTP server on a loopback port that hands each request to receiveUpload, with a
 * private tmpDir, and answers as the controller should: 200 with the upload, or the error body
 * with `Connection: close`. Every answer closes its connection, so `bytesRead` is one request's.
 */
export interface UploadServer {
  url: string;
  port: number;
  /** The next outcome, in the order receiveUpload settled. */
  next(): Promise<Outcome>;
  post(form: FormData): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Everything left in the tmpDir. */
  tempFiles(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startUploadServer(limits: Omit<UploadLimits, 'tmpDir'>): Promise<UploadServer> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'upload-spec-'));
  const outcomes: Outcome[] = [];
  const waiting: ((outcome: Outcome) => void)[] = [];
  const record = (outcome: Outcome) => (waiting.length ? waiting.shift()!(outcome) : outcomes.push(outcome));

  const server = createServer((request, response) => {
    response.setHeader('Connection', 'close');
    const closed = new Promise((resolve) => request.socket.once('close', resolve));
    const answer = (status: number, body: object) =>
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    void receiveUpload(request, { ...limits, tmpDir })
      .then(
        (upload) => {
          answer(200, upload);
          return { upload };
        },
        (error: unknown) => {
          const body = toErrorBody(error);
          answer(body.statusCode, body);
          return { error };
        },
      )
      .then(async (ended) => {
        await closed;
        record({ ...ended, bytesRead: request.socket.bytesRead });
      });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;

  return {
    url,
    port,
    next: () =>
      Promise.race([
        outcomes.length ? Promise.resolve(outcomes.shift()!) : new Promise<Outcome>((resolve) => waiting.push(resolve)),
        sleep(10_000, undefined, { ref: false }).then(() => assert.fail('no request ended within 10 s')),
      ]),
    async post(form) {
      const response = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(10_000) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async tempFiles() {
      const entries = await readdir(tmpDir, { recursive: true });
      return entries.map((entry) => join(tmpDir, entry));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}

export async function uploaded(server: UploadServer): Promise<ProcessedUpload> {
  const outcome = await server.next();
  if ('error' in outcome) assert.fail(`refused: ${String(outcome.error)}`);
  return outcome.upload;
}

/** The refusal's contract body, checked to carry `code`. */
export async function refused(server: UploadServer, code: string): Promise<{ message: string; bytesRead: number }> {
  const outcome = await server.next();
  if (!('error' in outcome)) return assert.fail(`accepted ${outcome.upload.name}`);
  const body = toErrorBody(outcome.error);
  assert.equal(body.code, code, `${body.message} (${String(outcome.error)})`);
  return { message: body.message, bytesRead: outcome.bytesRead };
}

/** Checks that size and sha256 describe the bytes at path; returns them. */
export async function readProcessed(file: ProcessedFile): Promise<Buffer> {
  const bytes = await readFile(file.path);
  assert.equal(file.size, bytes.length);
  assert.equal(file.sha256, sha256(bytes));
  return bytes;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export const formWith = (data: Buffer | string, filename: string, type = 'application/octet-stream', field = 'file') => {
  const form = new FormData();
  form.append(field, new Blob([data], { type }), filename);
  return form;
};

export const BOUNDARY = 'spec-boundary-7d1f';

/** A part of a hand-made multipart body: its header lines (after Content-Disposition) and content. */
export function part(disposition: string, content: Buffer | string = '', headers: string[] = []): Buffer {
  const head = [`--${BOUNDARY}`, `Content-Disposition: form-data; ${disposition}`, ...headers, '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from('\r\n')]);
}

export const closing = Buffer.from(`--${BOUNDARY}--\r\n`);

export function requestHead(headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: '127.0.0.1', 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers });
  return ['POST / HTTP/1.1', ...lines.map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n');
}

/**
 * Sends `head` and then `body` over a raw connection, as fast as the server reads it, stopping
 * when the server closes; `abort` ends it abruptly once `body` is written instead of waiting.
 * Resolves with whatever the server answered.
 */
export async function sendRaw(port: number, head: string, body: Iterable<Buffer>, abort?: () => Promise<void>): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // a reset once the server stops reading
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await once(socket, 'connect');
  socket.write(head);
  for (const chunk of body) {
    if (socket.destroyed) break;
    if (!socket.write(chunk)) await new Promise((resume) => socket.once('drain', resume).once('close', resume));
  }
  if (abort) {
    await abort();
    socket.destroy();
  }
  await Promise.race([closed, sleep(10_000, undefined, { ref: false }).then(() => assert.fail('the server never closed the connection'))]);
  return answer;
}

/** `count` chunks of `size` zero bytes, made one at a time. */
export function* zeros(count: number, size = 64 * 1024): Iterable<Buffer> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size);
}

/** The chunks framed for `Transfer-Encoding: chunked` (without the last, empty chunk). */
export function* chunked(chunks: Iterable<Buffer>): Iterable<Buffer> {
  for (const chunk of chunks) yield Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
}

/** Waits until `condition` holds, checking every 10 ms for up to 5 s. */
export async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; !(await condition()); tries++) {
    if (tries === 500) assert.fail('timed out waiting');
    await sleep(10);
  }
}
