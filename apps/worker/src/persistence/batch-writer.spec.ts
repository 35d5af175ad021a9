import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { described, runs } from './batch-writer';

describe('runs', () => {
  it('turns committed seqs into ranges of consecutive ones, whatever their order and repeats', () => {
    assert.deepEqual(runs([5, 1, 2, 3, 9, 10, 3, 7]), [
      [1, 3],
      [5, 5],
      [7, 7],
      [9, 10],
    ]);
    assert.deepEqual(runs([]), []);
  });
});

describe('described', () => {
  const message = {
    id: 'm1',
    roomId: 1,
    seq: 1,
    senderId: 2,
    type: 'chat',
    content: 'hi',
    clientMsgId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
  } as const;

  it('names a message by its id, and by the request that sent it when the job says', () => {
    assert.equal(described(message), 'm1');
    assert.equal(described({ ...message, requestId: 'r1:3' }), 'm1 (request r1:3)');
  });
});
