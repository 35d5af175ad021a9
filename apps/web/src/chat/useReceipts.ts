import { useEffect, useState } from 'react';
import type { ReceiptEvent } from '@chat/contracts';
import { useSession } from '../shell/SessionContext';
import type { Receipts } from './receipts';

/**
 * Every member's read marker: read on entering (and after each reconnect, when events may have
 * been missed, and when the members change), then moved by `receipt` events.
 */
export function useReceipts(roomId: number, memberIds: number[]): Receipts {
  const { api, socket, connection } = useSession();
  const [receipts, setReceipts] = useState<Receipts>(new Map());
  const members = [...memberIds].sort((a, b) => a - b).join(',');

  useEffect(() => {
    // Read once the members are known; a change among them is read again.
    if (!members) return;
    let current = true;
    // A refusal here comes with a `kicked` or `room_deleted` that says it better.
    api.receipts(roomId).then(
      (list) => {
        if (!current) return;
        // A marker only moves forward: an event that came while this was read is not undone by it.
        setReceipts((known) => new Map(list.map((r) => [r.userId, Math.max(r.lastReadSeq, known.get(r.userId) ?? 0)])));
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, roomId, connection.generation, members]);

  useEffect(() => {
    const onReceipt = (e: ReceiptEvent) => {
      if (e.roomId !== roomId) return;
      setReceipts((known) => ((known.get(e.userId) ?? 0) >= e.seq ? known : new Map(known).set(e.userId, e.seq)));
    };
    socket.on('receipt', onReceipt);
    return () => {
      socket.off('receipt', onReceipt);
    };
  }, [socket, roomId]);

  return receipts;
}
