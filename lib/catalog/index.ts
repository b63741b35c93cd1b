export { CatalogState, type CatalogReader } from './state.js';
export { KvTable, type KvListing } from './kv-table.js';
export { WatchRegistry } from './watch.js';
export { LocalCatalogBackend, type LocalBackendOptions } from './local-backend.js';
export { encodeCommand, decodeCommand, validateCommand } from './commands.js';
export { SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './snapshot.js';
export type { CatalogBackend, ConsistencyMode, QueryAnswer, QueryResult } from './backend.js';
export type * from './types.js';
export { RaftCatalogBackend, CatalogStateMachine } from './raft-backend.js';
