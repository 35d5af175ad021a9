import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { Logger } from '@nestjs/common';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import { exitCleanlyOnSignals, loadConfigOrExit } from '@chat/config';
import { createGateway } from './bootstrap';
import { limitSlowClients } from './common/http-hardening';
import { RealtimeRepository } from './repositories/realtime.repository';
import { acceptAfterSessionBinding, stopReadingOnHandOff } from './sticky-fixes';

/**
 * Single-host mode without nginx: the primary owns PORT and hands each connection to a worker,
 * keeping every Engine.IO session on the worker that created it (@socket.io/sticky). Workers
 * still fan out through the Redis adapter, exactly like replicas behind nginx.
 */
const logger = new Logger('Cluster');

function primary(): void {
  const config = loadConfigOrExit();
  const { workers } = config.gateway;
  // The primary hands each connection's first bytes (a Buffer) to a worker over IPC; only the
  // "advanced" serialization keeps it a Buffer (JSON would turn it into a plain object).
  cluster.setupPrimary({ serialization: 'advanced' });
  const server = createServer();
  setupMaster(server, { loadBalancingMethod: 'least-connection' });
  const front = acceptAfterSessionBinding(server);
  front.listen(config.gateway.port, config.host, () =>
    logger.log(`primary ${process.pid} balancing ${workers} workers on ${config.host}:${config.gateway.port}`),
  );

  const fork = (index: number): void => {
    const worker = stopReadingOnHandOff(
      cluster.fork({
        REPLICA_ID: `${config.gateway.replicaId}-w${index}`,
        SID_ROUTING: 'false',
        // Each worker scrapes on its own port: METRICS_PORT, METRICS_PORT + 1, …
        METRICS_PORT: String(config.gateway.metricsPort + index - 1),
      }),
    );
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      logger.warn(`worker ${index} exited (${signal ?? code}); restarting in 1 s`);
      setTimeout(() => fork(index), 1_000);
    });
  };
  let stopping = false;
  for (let i = 1; i <= workers; i++) fork(i);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
      front.close();
    });
  }
}

async function worker(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createGateway(config);
  exitCleanlyOnSignals(app, logger, config.shutdownGraceMs);
  limitSlowClients(app.getHttpServer());
  await app.init();
  setupWorker(app.get(RealtimeRepository).server);
}

if (cluster.isPrimary) primary();
else void worker();
