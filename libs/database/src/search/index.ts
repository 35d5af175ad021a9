export { backfillSearchIndex } from './backfill';
export { type SearchBackendName, searchFinderFor, searchIndexerFor } from './backends';
export { mysqlSearchIndexer } from './mysql-search-indexer';
export type { IndexedMessage, SearchFinder, SearchIndexer, SearchPage, SearchRequest } from './search-backend';
