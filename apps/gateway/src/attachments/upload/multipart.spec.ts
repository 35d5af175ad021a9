import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { receiveFile } from './multipart';
import { chunked, part, requestHead, sendRaw, zeros } from './testing';

describe('receiveFile', { timeout: 30_000 }, () => {
  it('stops at once when the disk fails, rejecting with the disk error: the server is at fault, not the client', async () => {
    let failure: unknown;
    let bytesRead = 0;
    const server = createServer((request, response) => {
      receiveFile(request, 1024 * 1024, join('/nonexistent', 'received')).then(
        () => assert.fail('received'),
        (error: unknown) => {
          failure = error;
          bytesRead = request.socket.bytesRead;
          response.writeHead(500, { Connection: 'close' }).end();
        },
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const body = chunked([part('name="file"; filename="a.bin"'), ...zeros(64)]);
      const answer = await sendRaw((server.address() as AddressInfo).port, requestHead({ 'Transfer-Encoding': 'chunked' }), body);
      assert.match(answer, /^HTTP\/1\.1 500 /);
      assert.equal((failure as NodeJS.ErrnoException).code, 'ENOENT');
      assert.ok(bytesRead < 512 * 1024, `read ${bytesRead} bytes`);
    } finally {
      server.close();
    }
  });
});
