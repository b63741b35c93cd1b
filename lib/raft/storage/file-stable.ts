import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChorusError, ErrorCode, decode, encode, writeFileAtomic } from '../../core/index.js';
import { LIMITS } from '../constants.js';
import type { HardState } from '../types.js';
import { encodeFrame, scanFrames } from './frames.js';
import type { StableStore } from './types.js';

export const STABLE_FILE = 'raft-state';

/** Term and vote in one checksummed frame, replaced atomically (temp file, fsync, rename, fsync dir). */
export class FileStableStore implements StableStore {
  readonly dir: string;
  #path: string;
  #chain: Promise<void> = Promise.resolve();

  constructor(dir: string) {
    this.dir = dir;
    this.#path = join(dir, STABLE_FILE);
  }

  async load(): Promise<HardState> {
    await mkdir(this.dir, { recursive: true });
    let buf: Buffer;
    try {
      buf = await readFile(this.#path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { term: 0, votedFor: undefined };
      throw err;
    }
    const scan = scanFrames(buf);
    const fields = scan.tail === 'clean' && scan.payloads.length === 1 ? decode(scan.payloads[0]!) : undefined;
    if (
      !Array.isArray(fields) ||
      typeof fields[0] !== 'number' ||
      !Number.isSafeInteger(fields[0]) ||
      fields[0] < 0 ||
      !(fields[1] === null || (typeof fields[1] === 'string' && fields[1].length <= LIMITS.idLength))
    ) {
      throw new ChorusError(ErrorCode.CorruptData, `raft state ${this.#path} is unreadable`, { details: { path: this.#path } });
    }
    return { term: fields[0], votedFor: fields[1] ?? undefined };
  }

  save(state: HardState): Promise<void> {
    const frame = encodeFrame(encode([state.term, state.votedFor ?? null]));
    // Saves land in the order they were asked for, so the last one wins on disk too.
    const next = this.#chain.then(() => writeFileAtomic(this.#path, frame, 0o600));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.#chain;
  }
}
