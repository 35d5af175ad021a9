// First: tracing must start before http, ioredis and mysql2 are required (tracing.ts).
import { stopTracing } from './tracing';
import { Logger } from '@nestjs/common';
import { exitCleanlyOnSignals, loadConfigOrExit } from '@chat/config';
import { createGateway } from './bootstrap';
import { limitSlowClients } from './common/http-hardening';

/** One gateway replica: HTTP + Socket.IO on PORT. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createGateway(config);
  const logger = new Logger('Bootstrap');
  // The spans of the shutdown itself are flushed too, within the same grace period.
  exitCleanlyOnSignals({ close: () => app.close().then(stopTracing) }, logger, config.shutdownGraceMs);
  limitSlowClients(app.getHttpServer());
  await app.listen(config.gateway.port, config.host);
  logger.log(`gateway ${config.gateway.replicaId} listening on ${config.host}:${config.gateway.port}`);
}

void main();
