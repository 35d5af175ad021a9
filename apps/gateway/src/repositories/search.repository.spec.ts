import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PersistMessageJob } from '@chat/contracts';
import { backfillSearchIndex, mysqlSearchIndexer, writeMessages } from '@chat/database';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertRoom, insertUser } from '../testing/rows';
import { SearchRepository } from './search.repository';

/**
 * The index's writing side as the worker, an edit and a one-time backfill use it, read back
 * through the repository the route uses. The route's rules (rooms, floors, deletion, paging) are
 * the search end-to-end suite's.
 */
describe('SearchRepository and the MySQL index (MariaDB)', () => {
  let services: RealServices;
  let search: SearchRepository;
  let sender: { id: number; nickname: string };
  let seq = 0;
  let clock = Date.now();

  before(async () => {
    services = await startRealServices();
    search = new SearchRepository(services.reads, services.config);
    sender = await insertUser(services.db);
  });
  after(() => services?.close());

  /** A message with a ULID-like id that sorts after every earlier one of this spec. */
  const job = (roomId: number, content: string, extra: Partial<PersistMessageJob> = {}): PersistMessageJob => {
    clock += 1;
    seq += 1;
    return {
      id: `${clock.toString(32).toUpperCase().padStart(10, '0')}${String(seq).padStart(16, '0')}`,
      roomId,
      seq,
      senderId: sender.id,
      type: 'chat',
      content,
      clientMsgId: null,
      createdAt: new Date(clock).toISOString(),
      ...extra,
    };
  };
  const found = async (q: string, roomId?: number) =>
    (await search.find({ userId: sender.id, roomId, q, limit: 50 })).messages.map((m) => m.content);
  const indexRows = async (id: string) =>
    (await services.db.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM message_search WHERE message_id = ?', [id]))[0].n;

  it('indexes a batch once however often it is delivered', async () => {
    const roomId = await insertRoom(services.db, { owner: sender });
    const batch = [job(roomId, '배포 완료했습니다'), job(roomId, 'deploy done')];
    await writeMessages(services.db, batch, { indexer: mysqlSearchIndexer });
    await writeMessages(services.db, batch, { indexer: mysqlSearchIndexer });
    assert.deepEqual(await found('배포'), ['배포 완료했습니다']);
    assert.deepEqual([await indexRows(batch[0].id), await indexRows(batch[1].id)], [1, 1]);
  });

  it('gives no index row to a system note or a message without searchable text', async () => {
    const roomId = await insertRoom(services.db, { owner: sender });
    const note = job(roomId, 'Ann joined', { type: 'system', senderId: null });
    const emoji = job(roomId, '👍🎉');
    await writeMessages(services.db, [note, emoji], { indexer: mysqlSearchIndexer });
    assert.deepEqual([await indexRows(note.id), await indexRows(emoji.id)], [0, 0]);
  });

  it('reindexes an edited message by its new text, and drops one deleted or turned unsearchable', async () => {
    const roomId = await insertRoom(services.db, { owner: sender });
    const edited = job(roomId, '점심 메뉴 골라주세요');
    await writeMessages(services.db, [edited], { indexer: mysqlSearchIndexer });
    await services.db.transaction(async (tx) => {
      await tx.query('UPDATE messages SET content = ? WHERE id = ?', ['저녁 메뉴 골라주세요', edited.id]);
      await mysqlSearchIndexer.reindex(tx, edited.id);
    });
    assert.deepEqual(await found('저녁', roomId), ['저녁 메뉴 골라주세요']);
    assert.deepEqual(await found('점심', roomId), []);

    // A batch redelivered after the edit does not bring the old terms back.
    const termsOf = async () =>
      (await services.db.query<{ terms: string }[]>('SELECT terms FROM message_search WHERE message_id = ?', [edited.id]))[0].terms;
    const reindexed = await termsOf();
    await writeMessages(services.db, [edited], { indexer: mysqlSearchIndexer });
    assert.equal(await termsOf(), reindexed);

    await services.db.transaction(async (tx) => {
      await tx.query('UPDATE messages SET content = ? WHERE id = ?', ['🙂', edited.id]);
      await mysqlSearchIndexer.reindex(tx, edited.id);
    });
    assert.equal(await indexRows(edited.id), 0, 'nothing left to search by');
    await services.db.transaction(async (tx) => {
      await tx.query('UPDATE messages SET content = ?, deleted_at = UTC_TIMESTAMP(3) WHERE id = ?', ['저녁', edited.id]);
      await mysqlSearchIndexer.reindex(tx, edited.id);
    });
    assert.equal(await indexRows(edited.id), 0, 'a deleted message is never indexed again');
  });

  it('backfills the messages stored before the index, once', async () => {
    const roomId = await insertRoom(services.db, { owner: sender });
    const old = [job(roomId, '예전 메시지 하나'), job(roomId, 'an old message'), job(roomId, '지워진 예전 메시지')];
    await writeMessages(services.db, old);
    await services.db.query('UPDATE messages SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ?', [old[2].id]);
    assert.deepEqual(await found('예전', roomId), []);

    assert.equal(await backfillSearchIndex(services.db, mysqlSearchIndexer), 2);
    assert.deepEqual(await found('예전', roomId), ['예전 메시지 하나']);
    assert.deepEqual(await found('old', roomId), ['an old message']);
    assert.equal(await indexRows(old[2].id), 0, 'a deleted message is not backfilled');
    assert.equal(await backfillSearchIndex(services.db, mysqlSearchIndexer), 0, 'a second run finds nothing to do');
  });

  it('searches every room of a member of more rooms than one index query takes', async () => {
    const rooms: number[] = [];
    for (let i = 0; i < 130; i++) rooms.push(await insertRoom(services.db, { owner: sender }));
    const word = `many${Date.now().toString(36)}`;
    await writeMessages(services.db, [job(rooms[0], `${word} first room`), job(rooms[129], `${word} last room`)], {
      indexer: mysqlSearchIndexer,
    });
    assert.deepEqual(await found(word), [`${word} last room`, `${word} first room`]);
  });

  it('checks a long query whole, beyond the terms it sends to the index', async () => {
    const roomId = await insertRoom(services.db, { owner: sender });
    const long = '가나다라마바사아자차카타파하';
    const scrambled = `${long.slice(0, 7)} ${long.slice(7)}`;
    await writeMessages(services.db, [job(roomId, long), job(roomId, scrambled)], { indexer: mysqlSearchIndexer });
    assert.deepEqual(await found(long, roomId), [long]);
  });
});
