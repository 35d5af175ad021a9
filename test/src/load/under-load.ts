import type { Pool } from 'mysql2/promise';
import { checkClients, checkStorage, highestSeqs } from './checks';
import type { ChatFleet } from './fleet';
import { Load, type LoadFigures } from './load';

export interface UnderLoadOptions {
  ratePerSecond: number;
  /** Once the load stops: until every send is acked, every ack is in MySQL, every client caught up. */
  settleMs?: number;
  persistMs?: number;
  convergeMs?: number;
}

export interface LoadOutcome {
  figures: LoadFigures;
  /** Acked messages with no row, and extra rows for one clientMsgId (retries got the first ack back or not). */
  lost: number;
  duplicates: number;
  problems: string[];
}

/**
 * Offers the fleet a steady load while `during` runs (a fault, or just time), stops it, lets
 * everything settle, and checks that every acked message is in MySQL once and in every member's
 * client, in order and without a gap. What does not hold is listed in `problems`.
 */
export async function underLoad(db: Pool, fleet: ChatFleet, during: () => Promise<void>, options: UnderLoadOptions): Promise<LoadOutcome> {
  const { ratePerSecond, settleMs = 30_000, persistMs = 30_000, convergeMs = 15_000 } = options;
  const floors = fleet.floors();
  const load = new Load(fleet, db, { ratePerSecond });
  load.start();
  try {
    try {
      await during();
    } finally {
      load.stop();
    }
    const problems: string[] = [];
    if (!(await load.settle(settleMs))) problems.push(`${load.outstanding} sends never acked`);
    const persisted = await load.persisted(persistMs);
    await fleet.converge(await highestSeqs(db, fleet.rooms), convergeMs);
    const figures = load.figures();
    if (!persisted) problems.push(`${figures.acked - figures.persisted} acked messages not in MySQL`);
    for (const [code, count] of Object.entries(figures.failed)) problems.push(`${count} sends finally refused with ${code}`);
    if (figures.ackMismatches) problems.push(`${figures.ackMismatches} retries got another id/seq than the first ack`);
    const storage = await checkStorage(db, load, fleet.rooms);
    const clients = await checkClients(db, fleet, floors);
    problems.push(...storage.problems, ...clients.problems);
    return { figures, lost: storage.missing, duplicates: storage.duplicates + figures.ackMismatches + clients.conflicts, problems };
  } finally {
    load.dispose();
  }
}
