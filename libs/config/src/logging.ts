import type { AppConfig } from './config';

/**
 * pino options shared by the apps: JSON lines with the process's name on every line, or
 * single-line pretty output for humans (LOG_FORMAT=pretty).
 */
export function pinoOptions(config: AppConfig, name: string) {
  return {
    level: config.log.level,
    base: { app: name },
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    ...(config.log.pretty
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' } } }
      : {}),
  };
}
