import { Logger } from '@nestjs/common';
import { exitCleanlyOnSignals, loadConfigOrExit } from '@chat/config';
import { createGateway } from './bootstrap';

/** One gateway replica: HTTP + Socket.IO on PORT. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createGateway(config);
  const logger = new Logger('Bootstrap');
  exitCleanlyOnSignals(app, logger, config.shutdownGraceMs);
  await app.listen(config.gateway.port);
  logger.log(`gateway ${config.gateway.replicaId} listening on :${config.gateway.port}`);
}

void main();
