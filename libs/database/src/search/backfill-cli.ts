// `DATABASE_URL=mysql://… node libs/database/dist/search/backfill-cli.js`: indexes for search the
// messages stored before message search existed. Run it once after upgrading a database that has
// messages (docs/ARCHITECTURE.md, "Search"); it may run while the cluster serves traffic.
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source-options';
import { backfillSearchIndex } from './backfill';
import { mysqlSearchIndexer } from './mysql-search-indexer';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (the database the apps use, e.g. mysql://root@127.0.0.1:3306/chat)');
  const db = await new DataSource(dataSourceOptions(url, { poolSize: 2 })).initialize();
  try {
    let reported = 0;
    const indexed = await backfillSearchIndex(db, mysqlSearchIndexer, ({ scanned, indexed }) => {
      if (scanned - reported < 100_000) return;
      reported = scanned;
      process.stdout.write(`scanned ${scanned} messages, indexed ${indexed}\n`);
    });
    process.stdout.write(`done: ${indexed} messages indexed\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`search backfill failed: ${error.message}\n`);
  process.exit(1);
});
