import type { DataSource } from 'typeorm';
import type { PersistMessageJob } from '@chat/contracts';
import { type SearchIndexer } from '@chat/database';
import { type Corpus, seededRandom } from './search-corpus';

/** Messages per loading transaction: one multi-row INSERT of messages, one of their index rows. */
const LOAD_CHUNK = 2_000;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID for a moment: sortable by time, as the gateways mint them. */
export function ulidAt(ms: number, random: () => number): string {
  let time = '';
  for (let rest = ms, i = 0; i < 10; i++, rest = Math.floor(rest / 32)) time = CROCKFORD[rest % 32] + time;
  let tail = '';
  for (let i = 0; i < 16; i++) tail += CROCKFORD[Math.floor(random() * 32)];
  return time + tail;
}

export interface World {
  roomIds: number[];
  senderIds: number[];
  /** Next seq per room. */
  nextSeq: Map<number, number>;
}

/** Rooms and senders in plain SQL: what the search reads of them is rows, not how they came to be. */
export async function createWorld(db: DataSource, rooms: number, senders: number, runId: string): Promise<World> {
  const users = Array.from({ length: senders }, (_, i) => [`bench-${runId}-${i}@search.test`, `sender${i}`]);
  const first = await db.query<{ insertId: number }>(
    `INSERT INTO users (email, nickname) VALUES ${users.map(() => '(?, ?)').join(', ')}`,
    users.flat(),
  );
  const senderIds = users.map((_, i) => Number(first.insertId) + i);
  const names = Array.from({ length: rooms }, (_, i) => [`search room ${i}`, senderIds[0]]);
  const room = await db.query<{ insertId: number }>(
    `INSERT INTO rooms (name, owner_id) VALUES ${names.map(() => '(?, ?)').join(', ')}`,
    names.flat(),
  );
  const roomIds = names.map((_, i) => Number(room.insertId) + i);
  return { roomIds, senderIds, nextSeq: new Map(roomIds.map((id) => [id, 1])) };
}

/** `count` messages spread over the rooms, as if sent over the past `days`, oldest first. */
export function* messagesOf(world: World, corpus: Corpus, count: number, options: { seed: number; from: number; to: number }) {
  const random = seededRandom(options.seed);
  for (let i = 0; i < count; i++) {
    const roomId = world.roomIds[Math.floor(random() * world.roomIds.length)];
    const seq = world.nextSeq.get(roomId) ?? 1;
    world.nextSeq.set(roomId, seq + 1);
    const at = options.from + Math.floor(((options.to - options.from) * i) / count);
    const message: PersistMessageJob = {
      id: ulidAt(at, random),
      roomId,
      seq,
      senderId: world.senderIds[Math.floor(random() * world.senderIds.length)],
      type: 'chat',
      content: corpus.message(),
      clientMsgId: null,
      createdAt: new Date(at).toISOString(),
    };
    yield message;
  }
}

/**
 * Loads messages fast: multi-row INSERTs of 2,000 rows, their index rows written by the
 * production indexer in the same transaction (so the FULLTEXT index is built the way the worker
 * builds it, not by a bulk ALTER that would leave it better packed than production's).
 */
export async function loadMessages(
  db: DataSource,
  indexer: SearchIndexer,
  messages: Iterable<PersistMessageJob>,
  onChunk: (loaded: number) => void,
): Promise<void> {
  let chunk: PersistMessageJob[] = [];
  let loaded = 0;
  const flush = async () => {
    const rows = chunk;
    chunk = [];
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO messages (id, room_id, seq, sender_id, type, content, created_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        rows.flatMap((m) => [m.id, m.roomId, m.seq, m.senderId, m.type, m.content, new Date(m.createdAt)]),
      );
      await indexer.index(tx, rows);
    });
    loaded += rows.length;
    onChunk(loaded);
  };
  for (const message of messages) {
    chunk.push(message);
    if (chunk.length === LOAD_CHUNK) await flush();
  }
  if (chunk.length > 0) await flush();
}
