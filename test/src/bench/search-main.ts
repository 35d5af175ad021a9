// `npm run bench -- --search [--messages N]`: message search on a realistic corpus. Starts the
// cluster (nginx, a gateway, the worker) on its own database, loads N messages (default
// 1,000,000; Korean and English, test/src/bench/search-corpus.ts) into 1,000 rooms, and measures
// GET /search/messages through nginx for a user who is a member of 20 of them, then the worker's
// persistence throughput (writeMessages, batches of 200) with indexing off and on, alternating.
// Prints the figures docs/BENCHMARKS.md ("Search") quotes. `--help` lists the options.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { dataSourceOptions, searchIndexerFor, type SearchIndexer, writeMessages } from '@chat/database';
import { api, registerUser } from '../support/clients';
import { startTestCluster } from '../support/test-cluster';
import { machineFacts } from './report';
import { Corpus } from './search-corpus';
import { createWorld, loadMessages, messagesOf, type World } from './search-load';
import { TermCounts } from './search-terms';

const HELP = `npm run bench -- --search [options]

  --messages <n>       messages to load (default 1000000)
  --rooms <n>          rooms they are spread over (default 1000)
  --member-of <n>      rooms the searching user is a member of (default 20)
  --samples <n>        requests per query and scope (default 200; at most 30 s each)
  --write-rounds <n>   throughput rounds per mode, alternating off/on (default 6)
`;

const DAY = 24 * 3600 * 1000;
/** The worker's batch under load (it writes up to 500; 200 is a busy moment's group commit). */
const BATCH = 200;
const BATCHES_PER_ROUND = 25;
const SAMPLE_BUDGET_MS = 30_000;

const log = (line: string) => process.stdout.write(`[search-bench] ${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      search: { type: 'boolean' },
      messages: { type: 'string', default: '1000000' },
      rooms: { type: 'string', default: '1000' },
      'member-of': { type: 'string', default: '20' },
      samples: { type: 'string', default: '200' },
      'write-rounds': { type: 'string', default: '6' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  const options = {
    messages: Number(values.messages),
    rooms: Number(values.rooms),
    memberOf: Number(values['member-of']),
    samples: Number(values.samples),
    writeRounds: Number(values['write-rounds']),
  };
  const loadBefore = loadavg();
  const cluster = await startTestCluster({ gateways: 1, env: { LOG_LEVEL: 'warn' } });
  let db: DataSource | undefined;
  const stop = async () => {
    await db?.destroy().catch(() => undefined);
    await cluster.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
  try {
    const [[{ name }]] = await cluster.db.query<RowDataPacket[]>('SELECT DATABASE() AS name');
    db = await new DataSource(
      dataSourceOptions(`${process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/${String(name)}`, { poolSize: 2 }),
    ).initialize();
    const indexer = searchIndexerFor('mysql');
    if (!indexer) throw new Error('no MySQL indexer');

    const runId = Date.now().toString(36);
    const world = await createWorld(db, options.rooms, 50, runId);
    const corpus = new Corpus(1);
    const counts = new TermCounts();
    const now = Date.now();
    const loadStarted = performance.now();
    const messages = messagesOf(world, corpus, options.messages, { seed: 2, from: now - 180 * DAY, to: now - DAY });
    await loadMessages(db, indexer, counts.counting(messages), (loaded) => {
      if (loaded % 100_000 === 0 && loaded < options.messages)
        log(`loaded ${loaded} messages in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    log(`loaded ${options.messages} messages in ${loadSeconds.toFixed(0)} s`);

    const searcher = await registerUser(cluster.url);
    const memberRooms = world.roomIds.slice(0, options.memberOf);
    await db.query(
      `INSERT INTO room_members (room_id, user_id, joined_seq) VALUES ${memberRooms.map(() => '(?, ?, 0)').join(', ')}`,
      memberRooms.flatMap((room) => [room, searcher.user.id]),
    );

    const queries = counts.queries();
    const rows: string[] = [];
    for (const query of queries) {
      for (const scope of [{ label: `${options.memberOf} rooms` }, { label: 'one room', room: memberRooms[0] }]) {
        const result = await measure(cluster.url, searcher.access_token, { q: query.q, room: scope.room }, options.samples);
        rows.push(
          `| ${query.label} | \`${query.q}\` | ${query.messages.toLocaleString('en-US')} (${((100 * query.messages) / options.messages).toFixed(2)} %) | ${scope.label} | ${result.found} | ${result.n} | ${fmt(result.p50)} / ${fmt(result.p95)} / ${fmt(result.p99)} / ${fmt(result.max)} |`,
        );
        log(rows[rows.length - 1]);
      }
    }

    const writes = await throughput(db, indexer, world, corpus, options.writeRounds);
    const size = await indexSize(db, String(name));
    const machine = machineFacts();
    process.stdout.write(
      [
        '',
        `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}, MariaDB ${machine.mariadb}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, after ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' / ')}`,
        `- Corpus: ${options.messages.toLocaleString('en-US')} messages in ${options.rooms} rooms (${counts.describe()}), loaded with the production indexer in ${loadSeconds.toFixed(0)} s; \`message_search\` and its FULLTEXT index: ${size}`,
        '',
        '| query | q | messages holding it | scope | found (first page) | requests | ms p50 / p95 / p99 / max |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
        `- writeMessages, batches of ${BATCH}, ${BATCHES_PER_ROUND} batches a round, rounds alternating: indexing off ${writes.off.map(fmtRate).join(', ')} msg/s; on ${writes.on.map(fmtRate).join(', ')} msg/s; medians ${fmtRate(writes.medianOff)} vs ${fmtRate(writes.medianOn)} msg/s: indexing costs ${((100 * (writes.medianOff - writes.medianOn)) / writes.medianOff).toFixed(1)} %`,
        '',
      ].join('\n'),
    );
  } finally {
    await stop();
  }
}

async function measure(base: string, token: string, params: { q: string; room?: number }, samples: number) {
  const query = new URLSearchParams({ q: params.q, ...(params.room === undefined ? {} : { room: String(params.room) }) }).toString();
  const once = async () => {
    const started = performance.now();
    const response = await api<{ messages: unknown[] }>(base, 'GET', `/search/messages?${query}`, { token });
    if (response.status !== 200) throw new Error(`search ${query}: ${response.status} ${JSON.stringify(response.body)}`);
    return { ms: performance.now() - started, found: response.body.messages.length };
  };
  for (let i = 0; i < 5; i++) await once();
  const times: number[] = [];
  let found = 0;
  const deadline = performance.now() + SAMPLE_BUDGET_MS;
  while (times.length < samples && (times.length < 20 || performance.now() < deadline)) {
    const sample = await once();
    times.push(sample.ms);
    found = sample.found;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { n: times.length, found, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: times[times.length - 1] };
}

/**
 * The worker's write path with indexing off and on, in alternating rounds on the same
 * connection pool and tables, so drift on a shared machine hits both modes alike.
 */
async function throughput(db: DataSource, indexer: SearchIndexer, world: World, corpus: Corpus, rounds: number) {
  const now = Date.now();
  const perRound = BATCH * BATCHES_PER_ROUND;
  const messages = messagesOf(world, corpus, perRound * (2 * rounds + 2), { seed: 3, from: now - DAY, to: now });
  const round = async (index: boolean) => {
    const batches = Array.from({ length: BATCHES_PER_ROUND }, () => Array.from({ length: BATCH }, () => messages.next().value!));
    const started = performance.now();
    for (const batch of batches) await writeMessages(db, batch, index ? { indexer } : {});
    return perRound / ((performance.now() - started) / 1000);
  };
  await round(false);
  await round(true);
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < rounds; i++) {
    off.push(await round(false));
    on.push(await round(true));
    log(`write round ${i + 1}: off ${fmtRate(off[i])}, on ${fmtRate(on[i])} msg/s`);
  }
  return { off, on, medianOff: median(off), medianOn: median(on) };
}

async function indexSize(db: DataSource, schema: string): Promise<string> {
  for (const table of ['INNODB_SYS_TABLESPACES', 'INNODB_TABLESPACES']) {
    try {
      const [row] = await db.query<{ bytes: number | null }[]>(
        `SELECT SUM(FILE_SIZE) AS bytes FROM information_schema.${table} WHERE NAME LIKE ? OR NAME = ?`,
        [`${schema}/FTS\\_%`, `${schema}/message_search`],
      );
      if (row?.bytes) return `${(Number(row.bytes) / 2 ** 20).toFixed(0)} MiB on disk`;
    } catch {
      // The other server's name for the table.
    }
  }
  return 'size unknown';
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(1) : ms.toFixed(0));
const fmtRate = (rate: number) => Math.round(rate).toLocaleString('en-US');

main().then(
  () => process.exit(0),
  (error: Error) => {
    log(error.stack ?? error.message);
    process.exit(1);
  },
);
