import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { PersistMessageJob } from '@chat/contracts';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertMessages, insertRoom, insertUser } from '../testing/rows';
import { MessagesRepository } from './messages.repository';

describe('MessagesRepository (MariaDB)', () => {
  let services: RealServices;
  let messages: MessagesRepository;
  let sender: { id: number; nickname: string };

  before(async () => {
    services = await startRealServices();
    messages = new MessagesRepository(services.db);
    sender = await insertUser(services.db);
  });
  after(() => services?.close());

  const newRoom = () => insertRoom(services.db, { owner: sender });
  const job = (roomId: number, seq: number, extra: Partial<PersistMessageJob> = {}): PersistMessageJob => ({
    id: randomBytes(13).toString('hex').toUpperCase(),
    roomId,
    seq,
    senderId: sender.id,
    type: 'chat',
    content: `message ${seq}`,
    clientMsgId: null,
    createdAt: new Date(Date.now() + seq).toISOString(),
    ...extra,
  });
  const preview = async (roomId: number) => {
    const [row] = await services.db.query<{ last_message_id: string | null; last_message: string | null; last_seq: number }[]>(
      'SELECT last_message_id, last_message, last_seq FROM rooms WHERE id = ?',
      [roomId],
    );
    return { id: row.last_message_id, content: row.last_message, seq: Number(row.last_seq) };
  };
  const seqsOf = (page: { seq: number }[]) => page.map((m) => m.seq);

  it('pages a room newest first before a seq, or oldest first after one, never at or below the floor', async () => {
    const roomId = await newRoom();
    await insertMessages(
      services.db,
      roomId,
      [1, 2, 3, 4, 5, 6].map((seq) => ({ seq, senderId: sender.id })),
    );
    assert.deepEqual(seqsOf(await messages.page(roomId, { floor: 0, limit: 3 })), [6, 5, 4]);
    assert.deepEqual(seqsOf(await messages.page(roomId, { floor: 0, before: 4, limit: 10 })), [3, 2, 1]);
    assert.deepEqual(seqsOf(await messages.page(roomId, { floor: 0, after: 4, limit: 10 })), [5, 6]);
    assert.deepEqual(seqsOf(await messages.page(roomId, { floor: 2, before: 5, limit: 10 })), [4, 3]);
    assert.deepEqual(seqsOf(await messages.page(roomId, { floor: 3, after: 1, limit: 2 })), [4, 5], 'the floor wins over an older `after`');
  });

  it('pages messages as clients see them: sender, type, clientMsgId; deleted ones left out', async () => {
    const roomId = await newRoom();
    await messages.insertNow(job(roomId, 1, { clientMsgId: 'c-1' }));
    await messages.insertNow(job(roomId, 2, { senderId: null, type: 'system', content: 'Ann joined' }));
    const gone = job(roomId, 3);
    await messages.insertNow(gone);
    await messages.softDelete({ id: gone.id, roomId, seq: 3, senderId: sender.id });

    const [system, chat] = await messages.page(roomId, { floor: 0, limit: 10 });
    assert.deepEqual([system.seq, system.roomId, system.type, system.content, system.sender], [2, roomId, 'system', 'Ann joined', null]);
    assert.deepEqual(chat.sender, { id: sender.id, nickname: sender.nickname, role: 'user' });
    assert.equal(chat.clientMsgId, 'c-1');
    assert.ok(!('clientMsgId' in system));
  });

  it("writes a message now and moves the room's last message; a repeat changes nothing, an older one no preview", async () => {
    const roomId = await newRoom();
    const second = job(roomId, 2);
    await messages.insertNow(second);
    await messages.insertNow(second);
    await messages.insertNow(job(roomId, 1));
    assert.deepEqual(await preview(roomId), { id: second.id, content: second.content, seq: 2 });
    assert.deepEqual(seqsOf(await messages.page(roomId, { floor: 0, limit: 10 })), [2, 1]);
  });

  it('finds a live message, and no deleted one', async () => {
    const roomId = await newRoom();
    const stored = job(roomId, 1);
    await messages.insertNow(stored);
    const ref = await messages.findLive(stored.id);
    assert.deepEqual(ref, { id: stored.id, roomId, seq: 1, senderId: sender.id });
    assert.equal(await messages.softDelete(ref), true);
    assert.equal(await messages.softDelete(ref), false, 'deleted once only');
    assert.equal(await messages.findLive(stored.id), null);
  });

  it("falls the room's preview back to the newest remaining message when the last one is deleted", async () => {
    const roomId = await newRoom();
    const [first, second, third] = [job(roomId, 1), job(roomId, 2), job(roomId, 3)];
    for (const m of [first, second, third]) await messages.insertNow(m);

    await messages.softDelete({ id: second.id, roomId, seq: 2, senderId: sender.id });
    assert.deepEqual(await preview(roomId), { id: third.id, content: third.content, seq: 3 }, 'not the last one: no change');
    await messages.softDelete({ id: third.id, roomId, seq: 3, senderId: sender.id });
    assert.deepEqual(await preview(roomId), { id: first.id, content: first.content, seq: 3 });
    await messages.softDelete({ id: first.id, roomId, seq: 1, senderId: sender.id });
    assert.deepEqual(await preview(roomId), { id: null, content: null, seq: 3 }, 'nothing left to show; the seq never moves back');
  });
});
