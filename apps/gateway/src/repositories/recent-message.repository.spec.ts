import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StoredMessage } from '@chat/contracts';
import { type RealServices, startRealServices } from '../testing/real-services';
import { RecentMessageRepository } from './recent-message.repository';

describe('RecentMessageRepository (Redis)', () => {
  let services: RealServices;
  let recent: RecentMessageRepository;
  let nextRoom = 1;

  before(async () => {
    services = await startRealServices();
    recent = new RecentMessageRepository(services.redis, services.keys);
  });
  after(() => services?.close());

  const message = (roomId: number, seq: number): StoredMessage => ({
    id: `m-${roomId}-${seq}`,
    seq,
    roomId,
    content: `message ${seq}`,
    type: 'chat',
    sender: { id: 1, nickname: 'ann', role: 'user' },
    createdAt: new Date().toISOString(),
    attachments: [],
    editedAt: null,
    replyTo: null,
    mentions: [],
    reactions: [],
  });
  const rememberAll = async (roomId: number, seqs: number[]) => {
    for (const seq of seqs) await recent.remember(message(roomId, seq));
  };

  it('reads back what it remembers between two seqs (both excluded), in either order, at most `limit`', async () => {
    const roomId = nextRoom++;
    await rememberAll(roomId, [3, 1, 5, 2, 4]);
    const seqsOf = (messages: StoredMessage[]) => messages.map((m) => m.seq);
    assert.deepEqual(seqsOf(await recent.range(roomId, 1, 5, 'asc', 10)), [2, 3, 4]);
    assert.deepEqual(seqsOf(await recent.range(roomId, 1, 5, 'desc', 10)), [4, 3, 2]);
    assert.deepEqual(seqsOf(await recent.range(roomId, 0, 100, 'asc', 2)), [1, 2]);
    assert.deepEqual(seqsOf(await recent.range(roomId, 0, 100, 'desc', 2)), [5, 4]);
    assert.deepEqual(await recent.range(nextRoom++, 0, 100, 'asc', 10), [], 'another room has none');
  });

  it('keeps the whole message', async () => {
    const roomId = nextRoom++;
    const stored = { ...message(roomId, 1), clientMsgId: 'c-1' };
    await recent.remember(stored);
    assert.deepEqual(await recent.range(roomId, 0, 2, 'asc', 1), [stored]);
  });

  it('tells whether a message (by seq and id) is there', async () => {
    const roomId = nextRoom++;
    const stored = message(roomId, 7);
    await recent.remember(stored);
    assert.equal(await recent.has(roomId, 7, stored.id), true);
    assert.equal(await recent.has(roomId, 7, 'another id'), false);
    assert.equal(await recent.has(roomId, 8, stored.id), false);
  });

  it('forgets a message once the worker has stored it, and only that one', async () => {
    const roomId = nextRoom++;
    await rememberAll(roomId, [1, 2, 3]);
    await recent.remove(roomId, 2);
    assert.deepEqual(
      (await recent.range(roomId, 0, 10, 'asc', 10)).map((m) => m.seq),
      [1, 3],
    );
  });
});
