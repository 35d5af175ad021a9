/**
 * `nextCursor` of a search page: the last message id of the page, base64url-encoded so clients
 * treat it as opaque (what it holds may change with the backend). Results are ordered by id, so
 * any backend can continue below it.
 */
const MESSAGE_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function encodeSearchCursor(messageId: string): string {
  return Buffer.from(messageId, 'latin1').toString('base64url');
}

/** The message id a cursor continues below, or undefined for anything encodeSearchCursor did not make. */
export function decodeSearchCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString('latin1');
  // Node's decoder skips what is not base64url: only the exact encoding of an id is a cursor.
  return MESSAGE_ID.test(id) && encodeSearchCursor(id) === cursor ? id : undefined;
}
