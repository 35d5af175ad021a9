interface ErrorLogger {
  error(message: string, stack?: string): void;
}

/** A stray rejection is a bug to log, never a reason to drop every socket or job of the process. */
export function logStrayRejections(logger: ErrorLogger): void {
  process.on('unhandledRejection', (reason) =>
    logger.error(`unhandled rejection: ${String(reason)}`, (reason as Error | undefined)?.stack),
  );
}

interface Closable {
  close(): Promise<void>;
}

interface LifecycleLogger extends ErrorLogger {
  log(message: string): void;
}

/**
 * SIGTERM/SIGINT close the app (its shutdown hooks drain it) and exit 0, as orchestrators expect
 * of a clean stop; a close that fails or outlasts `graceMs` exits 1.
 */
export function exitCleanlyOnSignals(app: Closable, logger: LifecycleLogger, graceMs: number): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal}: shutting down`);
      const deadline = setTimeout(() => {
        logger.error(`shutdown took longer than ${graceMs} ms`);
        process.exit(1);
      }, graceMs + 2_000);
      app.close().then(
        () => {
          clearTimeout(deadline);
          process.exit(0);
        },
        (error: unknown) => {
          logger.error(`shutdown failed: ${String(error)}`, (error as Error | undefined)?.stack);
          process.exit(1);
        },
      );
    });
  }
}
