export * from './entities';
export { dataSourceOptions } from './data-source-options';
export { waitForDatabase } from './wait-for-database';
export { highestSeqPerRoom, writeMessages } from './message-writes';
export * from './search';
