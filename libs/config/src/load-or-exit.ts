import { type AppConfig, ConfigError, loadConfig } from './config';

/**
 * For an app's entry point: a malformed variable stops start-up with a message naming it and
 * exit code 78 (EX_CONFIG), rather than a stack trace.
 */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}
