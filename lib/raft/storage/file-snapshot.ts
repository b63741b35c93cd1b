import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decode, encode, writeFileAtomic } from '../../core/index.js';
import { LIMITS } from '../constants.js';
import type { SnapshotMeta } from '../types.js';
import { bytes, configFromWire, configToWire } from './entry-codec.js';
import { encodeFrame, scanFrames } from './frames.js';
import type { SnapshotStore, StoredSnapshot } from './types.js';

const NAME = /^snapshot-(\d{20})-(\d{20})\.bin$/;

function fileName(meta: SnapshotMeta): string {
  return `snapshot-${String(meta.index).padStart(20, '0')}-${String(meta.term).padStart(20, '0')}.bin`;
}

/**
 * Each snapshot is one file holding one checksummed frame [meta, data],
 * written atomically. The newest readable one is the latest; older ones are
 * deleted once a newer one is durable (the previous one is kept as a spare).
 */
export class FileSnapshotStore implements SnapshotStore {
  readonly dir: string;
  #retain: number;

  constructor(dir: string, options: { retain?: number } = {}) {
    this.dir = dir;
    this.#retain = options.retain ?? 2;
  }

  async save(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const frame = encodeFrame(encode([meta.index, meta.term, configToWire(meta.config), data]));
    await writeFileAtomic(join(this.dir, fileName(meta)), frame);
    const names = await this.#names();
    for (const name of names.slice(this.#retain)) await unlink(join(this.dir, name)).catch(() => undefined);
  }

  async #names(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    // Zero-padded, so the lexical order is the index order; newest first.
    return names.filter((n) => NAME.test(n)).sort().reverse();
  }

  async latest(): Promise<StoredSnapshot | undefined> {
    for (const name of await this.#names()) {
      const snapshot = await this.#read(name);
      if (snapshot !== undefined) return snapshot;
    }
    return undefined;
  }

  async latestMeta(): Promise<SnapshotMeta | undefined> {
    return (await this.latest())?.meta;
  }

  async #read(name: string): Promise<StoredSnapshot | undefined> {
    try {
      const scan = scanFrames(await readFile(join(this.dir, name)));
      if (scan.tail !== 'clean' || scan.payloads.length !== 1) return undefined;
      const f = decode(scan.payloads[0]!);
      if (!Array.isArray(f) || typeof f[0] !== 'number' || typeof f[1] !== 'number') return undefined;
      return { meta: { index: f[0], term: f[1], config: configFromWire(f[2], LIMITS) }, data: bytes(f[3], 'snapshot', Infinity) };
    } catch {
      // An unreadable snapshot is skipped in favour of an older one.
      return undefined;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
