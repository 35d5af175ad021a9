/** At most this many users are invited at once (the API's limit). */
export const MAX_INVITES = 100;

/** "2, 5 7" → [2, 5, 7]; null when something is not a user id. */
export function parseUserIds(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (!parts.every((p) => /^[1-9]\d{0,9}$/.test(p))) return null;
  return [...new Set(parts.map(Number))];
}
