// Starts the cluster's topology as real processes: N gateway replicas behind nginx (or behind
// node:cluster + @socket.io/sticky in single-host mode) and the persistence worker. Used by
// `npm start` and by the end-to-end tests, so both run exactly the same thing.
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderNginxConf } from '../../nginx/render.mjs';
import { ensureNginx } from './services.mjs';
import { Supervisor } from './supervisor.mjs';

/**
 * @param {object} o
 * @param {string} o.root              repository root (built: apps/*\/dist exist)
 * @param {string} o.runDir            writable dir for nginx's config, pid and temp files
 * @param {'nginx' | 'sticky'} [o.mode]
 * @param {number} [o.gateways]        replicas (nginx mode) or workers (sticky mode)
 * @param {number} [o.gatewayBasePort] replica i listens on base + i - 1 (nginx mode)
 * @param {number} [o.httpPort]        the public origin's port
 * @param {number} [o.workerHealthPort]
 * @param {Record<string, string>} [o.env]  environment for every app process
 * @param {(line: string) => void} [o.log]
 */
export async function startCluster(o) {
  const mode = o.mode ?? 'nginx';
  const count = o.gateways ?? 3;
  const basePort = o.gatewayBasePort ?? 3001;
  const httpPort = o.httpPort ?? 8080;
  const workerHealthPort = o.workerHealthPort ?? 3100;
  const log = o.log ?? ((line) => process.stdout.write(`${line}\n`));
  const supervisor = new Supervisor({ log });
  const node = process.execPath;
  const appEnv = { ...o.env, WORKER_HEALTH_PORT: String(workerHealthPort) };

  supervisor.start('worker', { command: node, args: [join(o.root, 'apps/worker/dist/main.js')], env: appEnv });

  /** @type {{ name: string, port: number }[]} */
  const replicas = [];
  if (mode === 'sticky') {
    supervisor.start('gateway', {
      command: node,
      args: [join(o.root, 'apps/gateway/dist/cluster.js')],
      env: { ...appEnv, PORT: String(httpPort), GATEWAY_WORKERS: String(count), REPLICA_ID: 'gateway', SID_ROUTING: 'false' },
    });
  } else {
    for (let i = 1; i <= count; i++) {
      const replica = { name: `gateway-${i}`, port: basePort + i - 1 };
      replicas.push(replica);
      supervisor.start(replica.name, {
        command: node,
        args: [join(o.root, 'apps/gateway/dist/main.js')],
        env: { ...appEnv, PORT: String(replica.port), REPLICA_ID: replica.name },
      });
    }
    const nginx = ensureNginx(log);
    const dir = join(o.runDir, 'nginx');
    for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      mkdirSync(join(dir, temp), { recursive: true });
      chmodSync(join(dir, temp), 0o777); // nginx's workers drop to an unprivileged user
    }
    const webRoot = join(o.root, 'apps/web/dist');
    warnIfUnreachable(webRoot, log);
    const conf = renderNginxConf({
      listen: httpPort,
      runDir: dir,
      webRoot,
      replicas: replicas.map((r) => ({ id: r.name, address: `127.0.0.1:${r.port}` })),
    });
    writeFileSync(join(dir, 'nginx.conf'), conf);
    supervisor.start('nginx', { command: nginx, args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'] });
  }

  const url = `http://127.0.0.1:${httpPort}`;
  const handle = {
    url,
    mode,
    replicas,
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

/** Started by root, nginx's workers drop to an unprivileged user, who must be able to walk down to the web client's files. */
function warnIfUnreachable(webRoot, log) {
  const root = process.getuid?.() === 0;
  for (let dir = webRoot; dir !== dirname(dir); dir = dirname(dir)) {
    let mode;
    try {
      mode = statSync(dir).mode;
    } catch {
      return log(`nginx: ${webRoot} does not exist (npm run build): the web client at / will answer 404`);
    }
    if (root && (mode & 0o001) === 0) return log(`nginx: others may not enter ${dir} (chmod o+x): the web client at / will answer 403`);
  }
}

async function ok(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}
