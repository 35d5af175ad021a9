import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistMessageJob } from '@chat/contracts';
import { highestSeqPerRoom } from './message-writes';

const message = (roomId: number, seq: number): PersistMessageJob => ({
  id: `${roomId}-${seq}`,
  roomId,
  seq,
  senderId: 1,
  type: 'chat',
  content: 'hi',
  clientMsgId: null,
  createdAt: new Date(0).toISOString(),
});

describe('highestSeqPerRoom', () => {
  it('keeps the highest seq of each room, whatever the arrival order', () => {
    const latest = highestSeqPerRoom([message(2, 5), message(1, 9), message(2, 7), message(1, 3), message(2, 6)]);
    assert.deepEqual(
      latest.map((m) => [m.roomId, m.seq]),
      [
        [1, 9],
        [2, 7],
      ],
    );
  });

  it('orders rooms by id so concurrent transactions lock rooms in the same order', () => {
    const latest = highestSeqPerRoom([message(9, 1), message(3, 1), message(5, 1)]);
    assert.deepEqual(
      latest.map((m) => m.roomId),
      [3, 5, 9],
    );
  });
});
