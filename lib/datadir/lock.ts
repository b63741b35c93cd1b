import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { fsyncDir } from '../core/atomic-file.js';
import { processAlive } from '../core/proc-table.js';

export const LOCK_FILE = 'LOCK';

/**
 * The data directory belongs to one process at a time. The LOCK file holds
 * the owner's pid; a lock whose owner is gone (kill -9) is taken over, so a
 * crash never needs manual clean-up.
 */
export class DataDirLock {
  readonly path: string;
  #held = false;

  constructor(readonly dataDir: string, private readonly pid = process.pid) {
    this.path = join(dataDir, LOCK_FILE);
  }

  async acquire(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(this.path, 'wx', 0o644);
        try {
          await handle.writeFile(`${this.pid}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fsyncDir(this.dataDir);
        this.#held = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await this.#owner();
      if (owner !== undefined && owner !== this.pid && processAlive(owner)) {
        throw new ChorusError(
          ErrorCode.DataDirLocked,
          `data directory ${this.dataDir} is in use by another chorus process (pid ${owner}); stop it or choose another --data-dir`,
          { details: { dataDir: this.dataDir, pid: owner } },
        );
      }
      // Stale or unreadable lock: its owner is gone. Remove it and retry.
      await unlink(this.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    throw new ChorusError(ErrorCode.DataDirLocked, `could not lock data directory ${this.dataDir}: another process keeps taking it`);
  }

  async #owner(): Promise<number | undefined> {
    try {
      const text = await readFile(this.path, 'utf8');
      const pid = Number.parseInt(text.trim(), 10);
      return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    // Only remove the lock if it is still ours.
    if ((await this.#owner()) === this.pid) await unlink(this.path).catch(() => undefined);
  }
}
