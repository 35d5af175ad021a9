import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import type { PersistMessageJob } from '@chat/contracts';
import { dataSourceOptions } from '@chat/database';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertMessages, insertRoom, insertUser } from '../testing/rows';
import { MessagesRepository } from './messages.repository';
import { ReactionsRepository } from './reactions.repository';
import { ReplicaReads } from './replica-reads';

describe('MessagesRepository (MariaDB)', () => {
  let services: RealServices;
  let messages: MessagesRepository;
  let sender: { id: number; nickname: string };

  before(async () => {
    services = await startRealServices();
    messages = new MessagesRepository(services.db, services.reads, services.config);
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
    await messages.softDelete({ id: gone.id, roomId });

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
    assert.deepEqual(ref, { id: stored.id, roomId, seq: 1, senderId: sender.id, type: 'chat' });
    assert.equal(await messages.softDelete(ref), true);
    assert.equal(await messages.softDelete(ref), false, 'deleted once only');
    assert.equal(await messages.findLive(stored.id), null);
  });

  it("falls the room's preview back to the newest remaining message when the last one is deleted", async () => {
    const roomId = await newRoom();
    const [first, second, third] = [job(roomId, 1), job(roomId, 2), job(roomId, 3)];
    for (const m of [first, second, third]) await messages.insertNow(m);

    await messages.softDelete({ id: second.id, roomId });
    assert.deepEqual(await preview(roomId), { id: third.id, content: third.content, seq: 3 }, 'not the last one: no change');
    await messages.softDelete({ id: third.id, roomId });
    assert.deepEqual(await preview(roomId), { id: first.id, content: first.content, seq: 3 });
    await messages.softDelete({ id: first.id, roomId });
    assert.deepEqual(await preview(roomId), { id: null, content: null, seq: 3 }, 'nothing left to show; the seq never moves back');
  });

  it("edits a message's text, its search terms and its room's preview; a repeated insert of the original changes nothing", async () => {
    const roomId = await newRoom();
    const original = job(roomId, 1, { content: 'helo wrld' });
    await messages.insertNow(original);
    const edited = await messages.edit(original.id, 'hello world');
    assert.equal(edited?.content, 'hello world');
    assert.ok(edited?.editedAt && Date.parse(edited.editedAt) > 0);
    await messages.insertNow(original); // the worker's redelivery of the same job
    const [page] = await messages.page(roomId, { floor: 0, limit: 1 });
    assert.deepEqual([page.content, page.editedAt], ['hello world', edited?.editedAt]);
    assert.deepEqual(await preview(roomId), { id: original.id, content: 'hello world', seq: 1 });
    const [terms] = await services.db.query<{ terms: string }[]>('SELECT terms FROM message_search WHERE message_id = ?', [original.id]);
    assert.ok(terms && !/helo/i.test(terms.terms), 'the old words are no longer searchable');
    await messages.softDelete({ id: original.id, roomId });
    assert.equal(await messages.edit(original.id, 'too late'), null);
  });

  it('reads a reply with the excerpt of the message it answers as that reads now, null once it is deleted; and its mentions', async () => {
    const roomId = await newRoom();
    const quoted = job(roomId, 1, { content: 'x'.repeat(150) });
    const reply = job(roomId, 2, { replyTo: quoted.id, mentions: [sender.id] });
    await messages.insertNow(quoted);
    await messages.insertNow(reply);
    const read = async () => (await messages.page(roomId, { floor: 0, limit: 1 }))[0];
    assert.deepEqual((await read()).replyTo, { id: quoted.id, seq: 1, senderId: sender.id, excerpt: 'x'.repeat(100) });
    assert.deepEqual((await read()).mentions, [sender.id]);
    const [mention] = await services.db.query<{ seq: number }[]>('SELECT seq FROM message_mentions WHERE message_id = ?', [reply.id]);
    assert.equal(Number(mention?.seq), 2);
    await messages.softDelete({ id: quoted.id, roomId });
    assert.deepEqual((await read()).replyTo, { id: quoted.id, seq: 1, senderId: sender.id, excerpt: null });
  });

  it("counts reactions consistently under concurrent changes from many users, and marks the reader's own", async () => {
    const reactions = new ReactionsRepository(services.db);
    const roomId = await newRoom();
    const target = job(roomId, 1);
    await messages.insertNow(target);
    const users = await Promise.all(Array.from({ length: 12 }, () => insertUser(services.db)));
    // Every user adds 👍 twice and ❤️ once, and half of them take 👍 back, all at once.
    await Promise.all(
      users.flatMap((u, i) => [
        reactions.set(target.id, u.id, '👍', true),
        reactions.set(target.id, u.id, '👍', true),
        reactions.set(target.id, u.id, '❤️', true).then(() => (i % 2 ? reactions.set(target.id, u.id, '👍', false) : undefined)),
      ]),
    );
    const [read] = await messages.page(roomId, { floor: 0, limit: 1 });
    assert.deepEqual(read.reactions, [
      { emoji: '❤️', count: 12 },
      { emoji: '👍', count: 6 },
    ]);
    const [mine] = await reactions.markMine(users[1].id, [read]);
    assert.deepEqual(mine.reactions, [
      { emoji: '❤️', count: 12, me: true },
      { emoji: '👍', count: 6, me: false },
    ]);
    assert.deepEqual(await reactions.set(target.id, users[0].id, '👍', true), { changed: false, count: 6 });
  });

  it('refuses a 21st different emoji on a message', async () => {
    const reactions = new ReactionsRepository(services.db);
    const target = job(await newRoom(), 1);
    await messages.insertNow(target);
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗'];
    for (const e of emoji.slice(0, 20)) await reactions.set(target.id, sender.id, e, true);
    await assert.rejects(reactions.set(target.id, sender.id, emoji[20], true), { code: 'VALIDATION_FAILED' });
    assert.equal((await reactions.set(target.id, sender.id, emoji[0], true))?.changed, false, 'one already there is still fine');
  });
});

describe('MessagesRepository.settledPage (MariaDB)', () => {
  let services: RealServices;
  let replicated: DataSource;
  let messages: MessagesRepository;
  let sender: { id: number; nickname: string };

  before(async () => {
    services = await startRealServices();
    const { url } = services.config.database;
    replicated = await new DataSource({ ...dataSourceOptions(url, { poolSize: 2, readUrls: [url] }), logging: false }).initialize();
    const config = { ...services.config, database: { url, readUrls: [url] } };
    messages = new MessagesRepository(replicated, new ReplicaReads(replicated, config), config);
    sender = await insertUser(services.db);
  });
  after(async () => {
    await replicated?.destroy();
    await services?.close();
  });

  const roomWith = async (seqs: number[]) => {
    const roomId = await insertRoom(services.db, { owner: sender });
    await insertMessages(
      services.db,
      roomId,
      seqs.map((seq) => ({ seq, senderId: sender.id })),
    );
    return roomId;
  };
  const seqs = (page: { seq: number }[] | undefined) => page?.map((m) => m.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('accepts a full page whose span is dense, deleted messages included', async () => {
    const roomId = await roomWith(range(1, 30));
    await services.db.query('UPDATE messages SET deleted_at = UTC_TIMESTAMP(3) WHERE room_id = ? AND seq = 15', [roomId]);
    assert.deepEqual(
      seqs(await messages.settledPage(roomId, { floor: 0, before: 20, limit: 10 })),
      [19, 18, 17, 16, 14, 13, 12, 11, 10, 9],
    );
  });

  it('accepts a short page that reaches the floor', async () => {
    const roomId = await roomWith(range(1, 30));
    assert.deepEqual(seqs(await messages.settledPage(roomId, { floor: 4, before: 8, limit: 10 })), [7, 6, 5]);
    assert.deepEqual(seqs(await messages.settledPage(roomId, { floor: 4, before: 5, limit: 10 })), []);
  });

  it('refuses a page with a seq missing inside it, or between it and the floor', async () => {
    const roomId = await roomWith([...range(1, 11), ...range(13, 30)]);
    assert.equal(await messages.settledPage(roomId, { floor: 0, before: 20, limit: 10 }), undefined, 'seq 12 is not there');
    assert.deepEqual(seqs(await messages.settledPage(roomId, { floor: 0, before: 11, limit: 20 })), range(1, 10).reverse());
    assert.equal(await messages.settledPage(roomId, { floor: 0, before: 31, limit: 50 }), undefined, 'short page across the gap');
  });

  it('refuses a page whose newest rows are not there yet', async () => {
    const roomId = await roomWith(range(1, 20));
    assert.equal(await messages.settledPage(roomId, { floor: 0, before: 26, limit: 10 }), undefined);
  });
});
