import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The header nginx sets to its `$request_id` (overwriting any a client sent) and the gateway answers with. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What an id may look like to land in the logs as it came: nginx's 32 hex digits, a UUID, `<id>:<n>`. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id a request is logged and traced under: the one it came with when that is a sane token (a
 * client that bypasses nginx could send anything; nothing else is trusted), a fresh one otherwise.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_ID.test(header) ? header : randomUUID();
}

const current = new AsyncLocalStorage<string>();

/** Runs `fn` as the handling of request (or socket event) `id`: its log lines and its messages' jobs carry it. */
export function withRequestId<T>(id: string, fn: () => T): T {
  return current.run(id, fn);
}

/** The id of the HTTP request or socket event being handled, if any. */
export function currentRequestId(): string | undefined {
  return current.getStore();
}
