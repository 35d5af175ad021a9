/** How many names a generated room name shows before "and others". */
export const NAMES_SHOWN = 3;

/**
 * A name for a room that has none, made from its members' nicknames as the viewer sees it:
 * the others first ("alice, bob, carol and others"); the viewer's own name only in a room of one.
 * `members` is the first few members, earliest first (NAMES_SHOWN + 2 is enough).
 */
export function generatedRoomName(members: { userId: number; nickname: string }[], viewerId?: number): string {
  const others = members.filter((m) => m.userId !== viewerId);
  if (others.length === 0) return members[0]?.nickname ?? 'Empty room';
  const shown = others.slice(0, NAMES_SHOWN).map((m) => m.nickname);
  return others.length > NAMES_SHOWN ? `${shown.join(', ')} and others` : shown.join(', ');
}
