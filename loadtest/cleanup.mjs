#!/usr/bin/env node
// Removes what load-test runs left in the database: the API deletes rooms (teardown() does) but
// has no account deletion. `node loadtest/cleanup.mjs --testid <id>` removes one run's accounts
// (`k6-<id>-…@loadtest.example`, and guests named `k6-<id>-…`), `--all` every `@loadtest.example`
// account and every guest a run named; with them go the rooms they own (members, bans, messages,
// reactions, mentions, search rows and attachment rows cascade) and the messages they sent
// elsewhere. `--dry-run` reports the same and changes nothing. It reads DATABASE_URL, as the apps
// do (default mysql://root@127.0.0.1:3306/chat).
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';

const TESTID = /^[a-z0-9]{1,16}$/;
/** Ids per statement: far below max_allowed_packet, and short lock lists. */
const CHUNK = 500;

/**
 * Which accounts a selection means. Guests have no email; a run names them `k6-<testid>-…`.
 * Site admins are never selected, whatever their address.
 * @param {{ testid?: string, all?: boolean }} selection
 * @returns {{ where: string, params: string[], label: string }}
 */
function accountFilter(selection) {
  if (selection.all) {
    return {
      where: "role <> 'admin' AND (email LIKE ? OR (role = 'guest' AND email IS NULL AND nickname REGEXP ?))",
      params: ['%@loadtest.example', '^k6-[a-z0-9]{1,16}-'],
      label: 'every load-test run',
    };
  }
  const testid = String(selection.testid ?? '').toLowerCase();
  if (!TESTID.test(testid)) throw new Error(`--testid must be 1-16 letters or digits, not "${selection.testid}"`);
  return {
    where: "role <> 'admin' AND (email LIKE ? OR (role = 'guest' AND email IS NULL AND nickname LIKE ?))",
    params: [`k6-${testid}-%@loadtest.example`, `k6-${testid}-%`],
    label: `testid ${testid}`,
  };
}

/**
 * Deletes the selected accounts and what is theirs, in one transaction, and says what went.
 * @param {import('mysql2/promise').Connection} db
 * @param {ReturnType<typeof accountFilter>} filter
 * @param {boolean} dryRun
 * @returns {Promise<{ accounts: number, guests: number, rooms: number, roomMessages: number, otherMessages: number }>}
 */
async function cleanup(db, filter, dryRun) {
  await db.beginTransaction();
  try {
    const [users] = await db.query(`SELECT id, role FROM users WHERE ${filter.where} FOR UPDATE`, filter.params);
    const ids = /** @type {Array<{ id: number, role: string }>} */ (users).map((user) => user.id);
    const guests = /** @type {Array<{ id: number, role: string }>} */ (users).filter((user) => user.role === 'guest').length;
    let rooms = 0;
    let roomMessages = 0;
    let otherMessages = 0;
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      // Their rooms first: rooms.owner_id is ON DELETE SET NULL, so deleting the users first would
      // leave the rooms behind, ownerless. Deleting a room cascades to everything in it.
      roomMessages += await count(
        db,
        'SELECT COUNT(*) AS n FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.owner_id IN (?)',
        chunk,
      );
      rooms += await affected(db, 'DELETE FROM rooms WHERE owner_id IN (?)', chunk);
      // messages.sender_id is SET NULL too: what they posted in rooms that stay would turn into
      // messages without a sender, which clients show as system messages.
      otherMessages += await affected(db, 'DELETE FROM messages WHERE sender_id IN (?)', chunk);
      // Memberships, bans, reactions and mentions cascade with the user.
      await affected(db, 'DELETE FROM users WHERE id IN (?)', chunk);
    }
    if (dryRun) await db.rollback();
    else await db.commit();
    return { accounts: ids.length, guests, rooms, roomMessages, otherMessages };
  } catch (error) {
    await db.rollback();
    throw error;
  }
}

/**
 * @param {import('mysql2/promise').Connection} db
 * @param {string} sql
 * @param {number[]} ids
 */
async function count(db, sql, ids) {
  const [rows] = await db.query(sql, [ids]);
  return Number(/** @type {Array<{ n: number }>} */ (rows)[0].n);
}

/**
 * @param {import('mysql2/promise').Connection} db
 * @param {string} sql
 * @param {number[]} ids
 */
async function affected(db, sql, ids) {
  const [result] = await db.query(sql, [ids]);
  return /** @type {import('mysql2/promise').ResultSetHeader} */ (result).affectedRows;
}

const USAGE = 'usage: node loadtest/cleanup.mjs (--testid <id> | --all) [--dry-run]   (reads DATABASE_URL)';

async function main() {
  const { values } = parseArgs({
    options: { testid: { type: 'string' }, all: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help || (!values.testid && !values.all) || (values.testid && values.all)) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const filter = accountFilter({ testid: values.testid, all: values.all });
  const url = process.env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/chat';
  const db = await createConnection({ uri: url, timezone: 'Z', supportBigNumbers: true });
  try {
    const result = await cleanup(db, filter, !!values['dry-run']);
    const verb = values['dry-run'] ? 'would remove' : 'removed';
    console.log(
      `${filter.label}: ${verb} ${result.accounts} accounts (${result.guests} guests), ` +
        `${result.rooms} rooms they owned (with ${result.roomMessages} messages), ` +
        `${result.otherMessages} messages they sent in other rooms`,
    );
  } finally {
    await db.end();
  }
}

main().catch((error) => {
  console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
