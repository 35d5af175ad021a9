import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BOUNDARY,
  chunked,
  closing,
  formWith,
  part,
  readProcessed,
  refused,
  requestHead,
  sendRaw,
  sha256,
  startUploadServer,
  until,
  uploaded,
  type UploadServer,
  zeros,
} from './testing';

const MAX_BYTES = 256 * 1024;

let server: UploadServer;
before(async () => {
  server = await startUploadServer({ maxBytes: MAX_BYTES });
});
after(() => server.close());

async function assertNoTempFiles() {
  assert.deepEqual(await server.tempFiles(), []);
}

describe('receiveUpload: the file', { timeout: 60_000 }, () => {
  it('accepts a file of exactly maxBytes, stored byte for byte with its size and sha256', async () => {
    const bytes = randomBytes(MAX_BYTES);
    const { status } = await server.post(formWith(bytes, 'noise.bin'));
    const upload = await uploaded(server);
    assert.equal(status, 200);
    assert.deepEqual(await readProcessed(upload.original), bytes);
    assert.equal(upload.original.sha256, sha256(bytes));
    assert.equal(upload.original.contentType, 'application/octet-stream');
    assert.equal(upload.name, 'noise.bin');
    assert.equal(upload.image, undefined);
    await upload.cleanup();
    await upload.cleanup();
    await assertNoTempFiles();
  });

  it('writes into a directory of its own that only its owner can read', async () => {
    await server.post(formWith('content', 'a.txt'));
    const upload = await uploaded(server);
    assert.equal((await stat(dirname(upload.original.path))).mode & 0o777, 0o700);
    assert.equal((await stat(upload.original.path)).mode & 0o777, 0o600);
    await upload.cleanup();
    await assertNoTempFiles();
  });

  it('keeps the sniffed type of other files (a PDF sent as text/plain)', async () => {
    await server.post(formWith('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n', 'notes.txt', 'text/plain'));
    const upload = await uploaded(server);
    assert.equal(upload.original.contentType, 'application/pdf');
    await upload.cleanup();
  });

  it('refuses maxBytes + 1 with PAYLOAD_TOO_LARGE, naming the limit, and leaves no temp file', async () => {
    const { status, body } = await server.post(formWith(randomBytes(MAX_BYTES + 1), 'big.bin'));
    const { message } = await refused(server, 'PAYLOAD_TOO_LARGE');
    assert.equal(status, 413);
    assert.equal(body.code, 'PAYLOAD_TOO_LARGE');
    assert.match(message, new RegExp(`${MAX_BYTES} bytes`));
    await assertNoTempFiles();
  });

  it('stops reading a file past the limit: the server reads about maxBytes, not the rest', async () => {
    const head = requestHead({ 'Transfer-Encoding': 'chunked' });
    const answer = await sendRaw(server.port, head, chunked([part('name="file"; filename="big.bin"'), ...zeros(128)]));
    const { message, bytesRead } = await refused(server, 'PAYLOAD_TOO_LARGE');
    assert.match(message, /larger than the limit/);
    assert.ok(bytesRead < MAX_BYTES + 128 * 1024, `read ${bytesRead} bytes`);
    // The answer can be lost to the reset of a client still sending; when it arrives, it is the 413.
    if (answer) assert.match(answer, /^HTTP\/1\.1 413 /);
    await assertNoTempFiles();
  });

  it('refuses a body announced larger than the limit allows without reading it', async () => {
    const answer = await sendRaw(server.port, requestHead({ 'Content-Length': 10 * 1024 ** 3 }), []);
    const { bytesRead } = await refused(server, 'PAYLOAD_TOO_LARGE');
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.ok(bytesRead < 1024, `read ${bytesRead} bytes`);
    await assertNoTempFiles();
  });

  it('refuses a body that never reaches its boundary once it outgrows the limit and the form around it', async () => {
    await sendRaw(server.port, requestHead({ 'Transfer-Encoding': 'chunked' }), chunked(zeros(128)));
    const { bytesRead } = await refused(server, 'PAYLOAD_TOO_LARGE');
    assert.ok(bytesRead < MAX_BYTES + 320 * 1024, `read ${bytesRead} bytes`);
    await assertNoTempFiles();
  });

  it('refuses an empty file', async () => {
    await server.post(formWith('', 'empty.txt'));
    assert.match((await refused(server, 'VALIDATION_FAILED')).message, /empty/);
    await assertNoTempFiles();
  });

  it('rejects and cleans up when the client disconnects mid-upload, and serves the next request', async () => {
    const head = requestHead({ 'Content-Length': MAX_BYTES });
    const midway = () => until(async () => (await server.tempFiles()).some((path) => path.endsWith('received')));
    await sendRaw(server.port, head, [part('name="file"; filename="cut.bin"'), ...zeros(1)], midway);
    assert.match((await refused(server, 'VALIDATION_FAILED')).message, /ended before the upload was complete/);
    await assertNoTempFiles();

    assert.equal((await server.post(formWith('after', 'after.txt'))).status, 200);
    await (await uploaded(server)).cleanup();
  });
});

describe('receiveUpload: the form', { timeout: 60_000 }, () => {
  const refusedWith = async (init: RequestInit, message: RegExp) => {
    const response = await fetch(server.url, { method: 'POST', signal: AbortSignal.timeout(10_000), ...init });
    const refusal = await refused(server, 'VALIDATION_FAILED');
    assert.equal(response.status, 400);
    assert.match(refusal.message, message);
    await assertNoTempFiles();
  };
  const fileBlob = new Blob(['content']);

  it('refuses a body that is not multipart/form-data, naming the type expected', async () => {
    const expected = /multipart\/form-data/;
    await refusedWith({ body: '{"file":"x"}', headers: { 'Content-Type': 'application/json' } }, expected);
    await refusedWith({ body: new URLSearchParams({ file: 'x' }) }, expected);
    await refusedWith({ body: 'x', headers: { 'Content-Type': 'multipart/form-data' } }, expected); // no boundary
    await refusedWith({ body: 'x', headers: { 'Content-Type': '' } }, expected);
  });

  it('refuses a form without a file in the field "file"', async () => {
    const textOnly = new FormData();
    textOnly.append('file', 'not a file');
    await refusedWith({ body: textOnly }, /No file in the form field "file"/);
    await refusedWith({ body: formWith('content', 'a.txt', 'text/plain', 'image') }, /field "file", not "image"/);
  });

  it('refuses a second file, in the same field or another', async () => {
    for (const field of ['file', 'other']) {
      const form = formWith('content', 'a.txt');
      form.append(field, fileBlob, 'b.txt');
      await refusedWith({ body: form }, /exactly one file/);
    }
  });

  it('ignores a few small text fields, refuses a long one', async () => {
    const form = formWith('content', 'a.txt');
    for (const name of ['caption', 'alt', 'roomId']) form.append(name, 'a few words');
    await server.post(form);
    await (await uploaded(server)).cleanup();

    const long = formWith('content', 'a.txt');
    long.append('caption', 'x'.repeat(1025));
    await refusedWith({ body: long }, /at most 1024 bytes/);
  });

  it('refuses a 100 KB part name', async () => {
    const form = new FormData();
    form.append('n'.repeat(100_000), fileBlob, 'a.txt');
    await refusedWith({ body: form }, /Malformed/);
  });

  it('refuses a part with huge headers', async () => {
    const headers = Array.from({ length: 3000 }, (_, i) => `X-Filler-${i}: ${'h'.repeat(8)}`);
    const body = Buffer.concat([part('name="file"; filename="a.txt"', 'content', headers), closing]);
    const answer = await sendRaw(server.port, requestHead({ 'Content-Length': body.length }), [body]);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match((await refused(server, 'VALIDATION_FAILED')).message, /Malformed/);
  });

  it('refuses 1,000 parts, text fields or parts of no field', async () => {
    const form = formWith('content', 'a.txt');
    for (let i = 0; i < 1000; i++) form.append(`f${i}`, 'v');
    await refusedWith({ body: form }, /at most 8 text fields/);

    const nameless = Array.from({ length: 1000 }, () => Buffer.from(`--${BOUNDARY}\r\nX-Part: none\r\n\r\nv\r\n`));
    const body = Buffer.concat([part('name="file"; filename="a.txt"', 'content'), ...nameless, closing]);
    const answer = await sendRaw(server.port, requestHead({ 'Content-Length': body.length }), [body]);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match((await refused(server, 'VALIDATION_FAILED')).message, /at most 10 parts/);
  });

  it('refuses a form that breaks off before its closing boundary', async () => {
    const body = part('name="file"; filename="a.txt"', 'content').subarray(0, -2);
    const answer = await sendRaw(server.port, requestHead({ 'Content-Length': body.length }), [body]);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match((await refused(server, 'VALIDATION_FAILED')).message, /Malformed/);
    await assertNoTempFiles();
  });
});

describe('receiveUpload: the name', { timeout: 60_000 }, () => {
  const nameOf = async (filename: string) => {
    await server.post(formWith('content', filename));
    const upload = await uploaded(server);
    await upload.cleanup();
    return upload.name;
  };

  it('keeps the last path segment only', async () => {
    assert.equal(await nameOf('../../etc/passwd'), 'passwd');
    assert.equal(await nameOf('C:\\Users\\me\\report.pdf'), 'report.pdf');
  });

  it('reads names as UTF-8 and keeps Korean, NFC', async () => {
    assert.equal(await nameOf('보고서 최종.pdf'), '보고서 최종.pdf');
    assert.equal(await nameOf('\u1100\u1161\u11a8.txt'), '각.txt');
  });
});
