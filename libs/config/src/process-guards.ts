interface ErrorLogger {
  error(message: string, stack?: string): void;
}

/** A stray rejection is a bug to log, never a reason to drop every socket or job of the process. */
export function logStrayRejections(logger: ErrorLogger): void {
  process.on('unhandledRejection', (reason) =>
    logger.error(`unhandled rejection: ${String(reason)}`, (reason as Error | undefined)?.stack),
  );
}
