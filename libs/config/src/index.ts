export { type AppConfig, ConfigError, loadConfig } from './config';
export { DEMO_JWT_SECRET, type Env, envSchema } from './env.schema';
