import { mysqlSearchFinder } from './mysql-search-finder';
import { mysqlSearchIndexer } from './mysql-search-indexer';
import type { SearchFinder, SearchIndexer } from './search-backend';

/** SEARCH_BACKEND's values; a new backend is one more entry here, with its two sides. */
type SearchBackendName = 'mysql' | 'none';

const backends: Record<SearchBackendName, { indexer: SearchIndexer; finder: SearchFinder } | undefined> = {
  mysql: { indexer: mysqlSearchIndexer, finder: mysqlSearchFinder },
  none: undefined,
};

/** What the worker indexes with; undefined for `none` (nothing is indexed). */
export const searchIndexerFor = (backend: SearchBackendName): SearchIndexer | undefined => backends[backend]?.indexer;

/** What the gateway searches with; undefined for `none` (search is unavailable). */
export const searchFinderFor = (backend: SearchBackendName): SearchFinder | undefined => backends[backend]?.finder;
