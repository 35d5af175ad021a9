import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './ports';
import { eventually } from './wait';

export interface S3Server {
  /** `http://127.0.0.1:<port>`: buckets by path (`endpoint/bucket/key`), not by host name. */
  endpoint: string;
  /** Created before the server answers. */
  bucket: string;
  /**
   * s3rver's one account. Of a signature (V4) it checks the form, the account and a presigned URL's
   * expiry, not the signature itself.
   */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The requests answered so far (the start-up's own polls of `GET /` first), as `METHOD /path?query STATUS`. */
  requests(): string[];
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * s3rver (a fake S3 over the real protocol, storing objects as files) run by this script in a
 * child process, for the request log: s3rver's own log cuts each line's start off.
 */
const SERVER_SCRIPT = `
const [module, directory, port, bucket] = process.argv.slice(1);
const S3rver = require(module);
const server = new S3rver({ directory, address: '127.0.0.1', port: Number(port), silent: true, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
server.run().then(() => {
  server.httpServer.on('request', (req, res) => res.on('finish', () => console.log(req.method + ' ' + req.url + ' ' + res.statusCode)));
}, (error) => { console.error(error); process.exit(1); });
`;

/**
 * A private s3rver on a free loopback port with its own directory and one bucket. Like
 * mariadb-server.ts, it is started through `setpriv --pdeathsig` where there is one, so it dies
 * with the test process however that ends; an `exit` hook covers the rest and its directory.
 */
export async function startS3Server(bucket = 'attachments'): Promise<S3Server> {
  const { findBinary } = await import('../../../deploy/local/services.mjs');
  const setpriv = findBinary('setpriv');
  const dir = mkdtempSync(join(tmpdir(), 'chat-s3rver-'));
  const port = await freePort();
  const args = ['-e', SERVER_SCRIPT, require.resolve('s3rver'), dir, String(port), bucket];
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'SIGKILL', '--', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const onExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const requests: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => requests.push(line));
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((done) => {
        child.once('exit', done);
        child.kill('SIGKILL');
      });
    }
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', onExit);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`s3rver exited (${signal ?? code}):\n${errors}`))),
  );
  // The bucket list answers once the server listens, and names the bucket once it is created.
  const answered = eventually(`s3rver on :${port}`, () => answers(endpoint, bucket), 15_000, 100);
  for (const loser of [answered, died]) loser.catch(() => undefined);
  try {
    await Promise.race([answered, died]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requests: () => [...requests],
    stop,
  };
}

async function answers(endpoint: string, bucket: string): Promise<boolean> {
  const response = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
  return response.ok && (await response.text()).includes(`<Name>${bucket}</Name>`);
}
