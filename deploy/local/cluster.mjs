// @ts-check
// Starts the cluster's topology as real processes: N gateway replicas behind nginx (or behind
// node:cluster + @socket.io/sticky in single-host mode) and the persistence worker. Used by
// `npm start` and by the end-to-end tests, so both run exactly the same thing.
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderNginxConf } from '../../nginx/render.mjs';
import { ensureNginx } from './services.mjs';
import { Supervisor } from './supervisor.mjs';

/** @typedef {Awaited<ReturnType<typeof startCluster>>} ClusterHandle */

/**
 * @param {object} o
 * @param {string} o.root              repository root (built: apps/*\/dist exist)
 * @param {string} o.runDir            writable dir for nginx's config, pid and temp files
 * @param {'nginx' | 'sticky'} [o.mode]
 * @param {number} [o.gateways]        replicas (nginx mode) or workers (sticky mode)
 * @param {number} [o.gatewayBasePort] replica i listens on base + i - 1 (nginx mode)
 * @param {number} [o.httpPort]        the public origin's port
 * @param {number} [o.metricsBasePort] replica (or node:cluster worker) i serves /metrics on base + i - 1
 * @param {number} [o.workerHealthPort]
 * @param {number} [o.nginxWorkers]   nginx worker processes (default: one per core); a proxied WebSocket
 *                                     costs a worker two descriptors of its open-files limit
 * @param {Record<string, string>} [o.env]  environment for every app process
 * @param {(line: string) => void} [o.log]
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so a process that cannot start (no nginx) rejects, as callers expect
export async function startCluster(o) {
  const mode = o.mode ?? 'nginx';
  const count = o.gateways ?? 3;
  const basePort = o.gatewayBasePort ?? 3001;
  const httpPort = o.httpPort ?? 8080;
  const metricsBasePort = o.metricsBasePort ?? 9464;
  const workerHealthPort = o.workerHealthPort ?? 3100;
  const log = o.log ?? ((line) => process.stdout.write(`${line}\n`));
  const supervisor = new Supervisor({ log });
  const node = process.execPath;
  // Every process listens on loopback only: nginx (or the node:cluster primary) is the one way in.
  const appEnv = { HOST: '127.0.0.1', ...o.env, WORKER_HEALTH_PORT: String(workerHealthPort) };
  const metricsUrl = (/** @type {number} */ i) => `http://127.0.0.1:${metricsBasePort + i - 1}/metrics`;

  supervisor.start('worker', { command: node, args: [join(o.root, 'apps/worker/dist/main.js')], env: appEnv });

  /** @type {{ name: string, port: number, metricsUrl: string }[]} */
  const replicas = [];
  /** Every gateway process's Prometheus endpoint (in sticky mode, each node:cluster worker's). */
  const metricsUrls = Array.from({ length: count }, (_, i) => metricsUrl(i + 1));
  if (mode === 'sticky') {
    supervisor.start('gateway', {
      command: node,
      args: [join(o.root, 'apps/gateway/dist/cluster.js')],
      env: {
        // The primary hands each raw connection to a worker, so the socket's address is the client's.
        TRUST_PROXY: 'none',
        ...appEnv,
        PORT: String(httpPort),
        METRICS_PORT: String(metricsBasePort), // worker i: base + i - 1
        GATEWAY_WORKERS: String(count),
        REPLICA_ID: 'gateway',
        SID_ROUTING: 'false',
      },
    });
  } else {
    const source = nginxSourceAddress();
    for (let i = 1; i <= count; i++) {
      const replica = { name: `gateway-${i}`, port: basePort + i - 1, metricsUrl: metricsUrl(i) };
      replicas.push(replica);
      supervisor.start(replica.name, {
        command: node,
        args: [join(o.root, 'apps/gateway/dist/main.js')],
        env: {
          // Only nginx's own address: a client on this machine talking to a replica directly is not believed.
          TRUST_PROXY: source ?? '127.0.0.1',
          ...appEnv,
          PORT: String(replica.port),
          METRICS_PORT: String(metricsBasePort + i - 1),
          REPLICA_ID: replica.name,
        },
      });
    }
    const nginx = ensureNginx(log);
    const dir = join(o.runDir, 'nginx');
    prepareNginxRunDir(dir, o.runDir);
    const webRoot = join(o.root, 'apps/web/dist');
    warnIfNotBuilt(webRoot, log);
    const uploadMaxBytes = Number(o.env?.ATTACHMENT_MAX_BYTES ?? process.env.ATTACHMENT_MAX_BYTES) || undefined;
    const conf = localNginxConf({ httpPort, runDir: dir, webRoot, replicas, workers: o.nginxWorkers, uploadMaxBytes });
    writeFileSync(join(dir, 'nginx.conf'), conf);
    supervisor.start('nginx', { command: nginx, args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'] });
  }

  const url = `http://127.0.0.1:${httpPort}`;
  const handle = {
    url,
    mode,
    replicas,
    metricsUrls,
    supervisor,
    workerHealthUrl: `http://127.0.0.1:${workerHealthPort}`,
    /** Waits until the origin, every replica and the worker report ready. */
    async waitReady(timeoutMs = 90_000) {
      const targets = [
        ...replicas.map((r) => `http://127.0.0.1:${r.port}/health/ready`),
        `http://127.0.0.1:${workerHealthPort}/health/ready`,
        `${url}/health/ready`,
      ];
      const deadline = Date.now() + timeoutMs;
      for (const target of targets) {
        while (!(await ok(target))) {
          if (Date.now() > deadline) throw new Error(`${target} not ready after ${timeoutMs / 1000} s`);
          await sleep(250);
        }
      }
    },
    stop: () => supervisor.stopAll(),
  };
  return handle;
}

/**
 * nginx's temp directories in `dir`, writable by its workers, which may run as another user than
 * the one who made them (started by root without a `user` directive, nginx drops to `nobody`)
 * and must also get through `dir` and the directories above it given (a mkdtemp directory is
 * 0700): without that, a body too large for nginx's memory buffer (16 KB) fails with a 500.
 * @param {string} dir
 * @param {string[]} above
 */
export function prepareNginxRunDir(dir, ...above) {
  for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(dir, temp), { recursive: true });
    chmodSync(join(dir, temp), 0o777);
  }
  for (const parent of [...above, dir]) chmodSync(parent, statSync(parent).mode | 0o011);
}

/**
 * nginx in front of the local replicas: on loopback only, connecting to the replicas from its own
 * source address, and with no connection cap for 127.0.0.1, from which load tests and benchmarks
 * on this machine open thousands of sockets.
 * @param {{ httpPort: number, runDir: string, webRoot?: string, replicas: { name: string, port: number }[], workers?: number, uploadMaxBytes?: number }} o
 */
export function localNginxConf({ httpPort, runDir, webRoot, replicas, workers, uploadMaxBytes }) {
  return renderNginxConf({
    listen: httpPort,
    listenAddress: '127.0.0.1',
    runDir,
    webRoot,
    replicas: replicas.map((r) => ({ id: r.name, address: `127.0.0.1:${r.port}` })),
    proxyBind: nginxSourceAddress(),
    connLimitExempt: ['127.0.0.1'],
    workerProcesses: workers ?? 'auto',
    uploadMaxBytes,
  });
}

/**
 * The loopback address nginx connects to the replicas from, distinct from the 127.0.0.1 every
 * local client uses. Linux routes all of 127.0.0.0/8 to the loopback interface; elsewhere (macOS)
 * only 127.0.0.1 exists, so nginx connects from it and the replicas trust that.
 */
export function nginxSourceAddress() {
  return process.platform === 'linux' ? '127.0.0.254' : undefined;
}

/**
 * A checkout that was never built has no web client to serve.
 * @param {string} webRoot
 * @param {(line: string) => void} log
 */
function warnIfNotBuilt(webRoot, log) {
  if (!existsSync(webRoot)) log(`nginx: ${webRoot} does not exist (npm run build): the web client at / will answer 404`);
}

/** @param {string} url */
async function ok(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}
