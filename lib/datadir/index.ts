import { mkdir } from 'node:fs/promises';
import { ChorusError, ErrorCode } from '../core/errors.js';

export { DataDirLock, LOCK_FILE } from './lock.js';
export { loadOrCreateMemberId, loadOrCreateCtlSecret, readCtlSecret, MEMBER_ID_FILE, CTL_SECRET_FILE } from './identity.js';

/** Creates the data directory (private to its owner) if it is missing. */
export async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ChorusError(ErrorCode.InvalidConfig, `cannot create data directory ${dataDir}: ${e.code ?? e.message}`, { cause: err });
  }
}
