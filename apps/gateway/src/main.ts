import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from '@chat/config';
import { createGateway } from './bootstrap';

/** One gateway replica: HTTP + Socket.IO on PORT. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createGateway(config);
  await app.listen(config.gateway.port);
  new Logger('Bootstrap').log(`gateway ${config.gateway.replicaId} listening on :${config.gateway.port}`);
}

void main();
