export type { LogStore, SnapshotStore, StableStore, StoredSnapshot } from './types.js';
export { MemoryDisk, MemoryLogStore, MemorySnapshotStore, MemoryStableStore, type MemoryDiskOptions } from './memory.js';
export { FileLogStore, WAL_FILE, type FileLogStoreOptions } from './file-log.js';
export { FileStableStore, STABLE_FILE } from './file-stable.js';
export { FileSnapshotStore } from './file-snapshot.js';
export { encodeFrame, scanFrames, FRAME_HEADER } from './frames.js';

import { join } from 'node:path';
import { FileLogStore } from './file-log.js';
import { FileSnapshotStore } from './file-snapshot.js';
import { FileStableStore } from './file-stable.js';
import type { RaftStorage } from '../types.js';

/** The file stores of one server under `dir` (the data directory's raft/ folder). */
export function fileStorage(dir: string): RaftStorage {
  return { log: new FileLogStore(dir), stable: new FileStableStore(dir), snapshots: new FileSnapshotStore(join(dir, 'snapshots')) };
}
