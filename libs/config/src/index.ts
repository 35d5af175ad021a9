export { type AppConfig, ConfigError, loadConfig, type StorageConfig } from './config';
export { DEMO_JWT_SECRET, type Env, envSchema } from './env.schema';
export { pinoOptions } from './logging';
export { APP_CONFIG, ConfigModule } from './config.module';
export { loadConfigOrExit } from './load-or-exit';
export { exitCleanlyOnSignals, logStrayRejections } from './process-guards';
export { withTimeout } from './with-timeout';
