import { Logger } from '@nestjs/common';
import { exitCleanlyOnSignals, loadConfigOrExit } from '@chat/config';
import { createGateway } from './bootstrap';
import { limitSlowClients } from './common/http-hardening';

/** One gateway replica: HTTP + Socket.IO on PORT. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createGateway(config);
  const logger = new Logger('Bootstrap');
  exitCleanlyOnSignals(app, logger, config.shutdownGraceMs);
  limitSlowClients(app.getHttpServer());
  await app.listen(config.gateway.port, config.host);
  logger.log(`gateway ${config.gateway.replicaId} listening on ${config.host}:${config.gateway.port}`);
}

void main();
