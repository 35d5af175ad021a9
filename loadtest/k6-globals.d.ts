// Globals k6 provides that @types/k6 does not declare.

/** k6's console: it writes to k6's log (stderr, or --console-output). */
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};
