/**
 * A clientMsgId: what makes a resend of the same message idempotent. getRandomValues rather than
 * randomUUID, which exists only in secure contexts (a plain-HTTP origin other than localhost is not one).
 */
export function newClientMsgId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
