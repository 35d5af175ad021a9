export { backfillSearchIndex } from './backfill';
export { searchFinderFor, searchIndexerFor } from './backends';
export { mysqlSearchIndexer } from './mysql-search-indexer';
export type { IndexedMessage, SearchFinder, SearchIndexer, SearchPage, SearchRequest } from './search-backend';
