import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredMessage } from '@chat/contracts';
import { mergePages } from './merge-pages';

const m = (seq: number, content = `m${seq}`): StoredMessage => ({
  id: `id${seq}`,
  seq,
  roomId: 1,
  content,
  type: 'chat',
  sender: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  attachments: [],
  editedAt: null,
  replyTo: null,
  mentions: [],
  reactions: [],
});

describe('mergePages', () => {
  it('interleaves persisted and pending messages in order, within the limit', () => {
    const merged = mergePages([m(9), m(7), m(4)], [m(10), m(8)], 'desc', 4);
    assert.deepEqual(
      merged.map((x) => x.seq),
      [10, 9, 8, 7],
    );
    assert.deepEqual(
      mergePages([m(4), m(7)], [m(5), m(8)], 'asc', 10).map((x) => x.seq),
      [4, 5, 7, 8],
    );
  });

  it('prefers the row when a seq is in both', () => {
    assert.equal(mergePages([m(3, 'row')], [m(3, 'pending')], 'asc', 5)[0]?.content, 'row');
  });
});
