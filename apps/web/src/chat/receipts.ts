/** How far each member has read: user id → lastReadSeq. */
export type Receipts = ReadonlyMap<number, number>;

/**
 * Counts, per message, the members who have not read it yet (the KakaoTalk "1"): its sender has,
 * and so have I, who am looking at it. Binary search over the sorted markers keeps a long list
 * in a large room cheap to draw.
 */
export function unreadCounter(receipts: Receipts, myId: number): (seq: number, senderId: number | null) => number {
  const marks = [...receipts.values()].sort((a, b) => a - b);
  const behind = (userId: number | null, seq: number) => {
    const mark = userId === null ? undefined : receipts.get(userId);
    return mark !== undefined && mark < seq ? 1 : 0;
  };
  return (seq, senderId) => {
    let low = 0;
    let high = marks.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (marks[mid] < seq) low = mid + 1;
      else high = mid;
    }
    return low - behind(senderId, seq) - (senderId === myId ? 0 : behind(myId, seq));
  };
}
