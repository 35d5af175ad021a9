import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { ChatFleet } from './fleet';
import type { Load } from './load';

export interface StorageCheck {
  /** Acked messages with no row. */
  missing: number;
  /** Extra rows for one clientMsgId. */
  duplicates: number;
  /** Rows that disagree with their ack (id, seq or room). */
  mismatched: number;
  /** Rows stored for a send that was finally refused. */
  orphans: number;
  /** Seqs with no row between this run's lowest and highest acked seq of a room. */
  holes: number;
  /** Rooms whose last_message is not their highest-seq row. */
  wrongLastMessage: number;
  problems: string[];
}

/** Acked ⊆ MySQL, each exactly once, as acked; no holes; rooms.last_message at the highest seq. */
export async function checkStorage(db: Pool, load: Load, rooms: number[]): Promise<StorageCheck> {
  const problems: string[] = [];
  const note = (count: number, what: string, examples: string[]) => {
    if (count > 0) problems.push(`${count} ${what}${examples.length ? `, e.g. ${examples.slice(0, 3).join('; ')}` : ''}`);
  };
  const [rows] = await db.query<RowDataPacket[]>('SELECT id, room_id, seq, client_msg_id FROM messages WHERE client_msg_id LIKE ?', [
    `${load.tag}-%`,
  ]);
  const byClientMsgId = new Map<string, RowDataPacket[]>();
  for (const row of rows) byClientMsgId.set(String(row.client_msg_id), [...(byClientMsgId.get(String(row.client_msg_id)) ?? []), row]);

  const missing: string[] = [];
  const duplicates: string[] = [];
  const mismatched: string[] = [];
  const orphans: string[] = [];
  let extraRows = 0;
  for (const record of load.records) {
    const stored = byClientMsgId.get(record.clientMsgId) ?? [];
    if (stored.length > 1) {
      extraRows += stored.length - 1;
      duplicates.push(`${record.clientMsgId} ×${stored.length}`);
    }
    if (record.failed && stored.length > 0) orphans.push(`${record.clientMsgId} refused ${record.failed} but stored`);
    if (!record.ack) continue;
    const row = stored[0];
    if (!row) missing.push(`${record.clientMsgId} (seq ${record.ack.seq} in room ${record.room})`);
    else if (String(row.id) !== record.ack.id || Number(row.seq) !== record.ack.seq || Number(row.room_id) !== record.room)
      mismatched.push(`${record.clientMsgId}: acked ${record.ack.id}/${record.ack.seq}, stored ${String(row.id)}/${String(row.seq)}`);
  }
  note(missing.length, 'acked messages not in MySQL', missing);
  note(extraRows, 'duplicate rows', duplicates);
  note(mismatched.length, 'rows unlike their ack', mismatched);
  note(orphans.length, 'refused sends stored anyway', orphans);

  const holes = await findHoles(db, load);
  note(holes.count, 'seqs with no row between acked messages', holes.examples);

  const wrong = await wrongLastMessages(db, rooms);
  note(wrong.length, 'rooms whose last_message is not their highest-seq message', wrong);
  return {
    missing: missing.length,
    duplicates: extraRows,
    mismatched: mismatched.length,
    orphans: orphans.length,
    holes: holes.count,
    wrongLastMessage: wrong.length,
    problems,
  };
}

async function findHoles(db: Pool, load: Load): Promise<{ count: number; examples: string[] }> {
  const span = new Map<number, { low: number; high: number }>();
  for (const { ack, room } of load.records) {
    if (!ack) continue;
    const current = span.get(room) ?? { low: ack.seq, high: ack.seq };
    span.set(room, { low: Math.min(current.low, ack.seq), high: Math.max(current.high, ack.seq) });
  }
  let count = 0;
  const examples: string[] = [];
  for (const [room, { low, high }] of span) {
    const [rows] = await db.query<RowDataPacket[]>('SELECT seq FROM messages WHERE room_id = ? AND seq BETWEEN ? AND ?', [room, low, high]);
    const present = new Set(rows.map((row) => Number(row.seq)));
    for (let seq = low; seq <= high; seq++) {
      if (present.has(seq)) continue;
      count++;
      if (examples.length < 5) examples.push(`room ${room} seq ${seq}`);
    }
  }
  return { count, examples };
}

async function wrongLastMessages(db: Pool, rooms: number[]): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT r.id, r.last_message_id, r.last_seq, top.id AS top_id, top.seq AS top_seq
       FROM rooms r
       LEFT JOIN messages top ON top.room_id = r.id AND top.seq = (SELECT MAX(seq) FROM messages WHERE room_id = r.id)
      WHERE r.id IN (?)`,
    [rooms],
  );
  return rows
    .filter((row) => row.last_message_id !== row.top_id || Number(row.last_seq) !== Number(row.top_seq))
    .map((row) => `room ${row.id}: last ${row.last_message_id}/${row.last_seq}, highest ${row.top_id}/${row.top_seq}`);
}

export interface ClientCheck {
  /** Client-room pairs whose list differs from MySQL. */
  behind: number;
  /** Messages some client lacks, summed. */
  lacking: number;
  /** Messages some client holds that MySQL does not have (or has under another seq). */
  foreign: number;
  conflicts: number;
  problems: string[];
}

/**
 * Every client holds, for each of its rooms, exactly the stored messages after its first join (and
 * after `floors`, to judge one scenario at a time): no gap, no duplicate.
 */
export async function checkClients(db: Pool, fleet: ChatFleet, floors = new Map<number, number>()): Promise<ClientCheck> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT id, room_id, seq FROM messages WHERE room_id IN (?) AND deleted_at IS NULL', [
    fleet.rooms,
  ]);
  const stored = new Map<number, Map<number, string>>();
  for (const row of rows) {
    const room = Number(row.room_id);
    if (!stored.has(room)) stored.set(room, new Map());
    stored.get(room)!.set(Number(row.seq), String(row.id));
  }
  const problems: string[] = [];
  let behind = 0;
  let lacking = 0;
  let foreign = 0;
  let conflicts = 0;
  for (const client of fleet.clients) {
    for (const view of client.views.values()) {
      conflicts += view.conflicts.length;
      if (view.conflicts.length) problems.push(`user ${client.userId}: ${view.conflicts.slice(0, 3).join('; ')}`);
      const from = Math.max(view.baseline, floors.get(view.room) ?? 0);
      const expected = [...(stored.get(view.room) ?? new Map<number, string>())].filter(([seq]) => seq > from);
      const lacks = expected.filter(([seq, id]) => view.bySeq.get(seq)?.id !== id).map(([seq]) => seq);
      const extra = [...view.bySeq].filter(([seq, held]) => seq > from && stored.get(view.room)?.get(seq) !== held.id).map(([seq]) => seq);
      if (lacks.length === 0 && extra.length === 0) continue;
      behind++;
      lacking += lacks.length;
      foreign += extra.length;
      if (problems.length < 10)
        problems.push(
          `user ${client.userId} room ${view.room} (on ${client.replica ?? 'nothing'}): lacks ${lacks.length} [${summarize(lacks)}], ` +
            `extra ${extra.length} [${summarize(extra)}], contiguous ${view.contiguous}, known ${view.known}`,
        );
    }
  }
  return { behind, lacking, foreign, conflicts, problems };
}

/** The highest stored seq of each room: what every member must reach. */
export async function highestSeqs(db: Pool, rooms: number[]): Promise<Map<number, number>> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT room_id, MAX(seq) AS top FROM messages WHERE room_id IN (?) GROUP BY room_id', [
    rooms,
  ]);
  return new Map(rows.map((row) => [Number(row.room_id), Number(row.top)]));
}

function summarize(seqs: number[]): string {
  return seqs.length > 6 ? `${seqs.slice(0, 3).join(',')}…${seqs.slice(-2).join(',')}` : seqs.join(',');
}
