import { copyFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../core/atomic-file.js';
import type { Clock } from '../core/clock.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { readPersistedState } from './persist-shape.js';
import type { CheckDefinition, CheckStatus, LocalCheck, LocalService } from './types.js';

/** One check as it survives a restart: what it is, how it runs, and a TTL check's last report. */
export interface PersistedCheck {
  check: LocalCheck;
  /** How it runs; null for a maintenance check, which nothing runs. */
  definition: CheckDefinition | null;
  /** A TTL check's last reported status, kept until its TTL runs out (clock ms). */
  ttl?: { status: CheckStatus; output: string; expiresAt: number };
}

export interface PersistedState {
  version: 1;
  services: LocalService[];
  checks: PersistedCheck[];
}

export interface AgentStateFileDeps {
  /** Names the set-aside copy of a corrupt file. */
  clock: Clock;
  logger: Logger;
}

/** The suffix a corrupt state file is set aside under: `local.json.corrupt-20260102T030405.678Z`. */
export const CORRUPT_SUFFIX = '.corrupt-';

/**
 * The API-registered services and checks (maintenance included) in one file
 * of the data directory, replaced atomically. Writes are coalesced: a save
 * that arrives while one is running is folded into one more write, and every
 * caller resolves once a write that includes its change is on disk.
 *
 * A file that cannot be restored never stops the node: the agent starts
 * empty (the supervisor registers its own services again anyway) and the
 * file is kept beside it, `local.json.corrupt-<time>`, for a human to read.
 */
export class AgentStateFile {
  readonly path: string;
  readonly #deps: AgentStateFileDeps;
  #dirty = false;
  #running: Promise<void> | undefined;

  constructor(path: string, deps: AgentStateFileDeps) {
    this.path = path;
    this.#deps = deps;
  }

  /**
   * The saved state, or undefined when there is none to restore. A file that
   * is not JSON or not a state file is moved aside; entries that are not
   * well formed are left out (the file copied aside first), each logged.
   * Throws CorruptData only when the file cannot be read at all.
   */
  async load(): Promise<PersistedState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ChorusError(ErrorCode.CorruptData, `cannot read ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      await this.#setAside('move', `not valid JSON: ${messageOf(err)}`);
      return undefined;
    }
    const read = readPersistedState(parsed);
    if (!read.ok) {
      await this.#setAside('move', `not an agent state file: ${read.reason}`);
      return undefined;
    }
    if (read.dropped.length > 0) {
      const aside = await this.#setAside('copy', `${read.dropped.length} malformed entries left out`);
      for (const d of read.dropped) {
        this.#deps.logger.warn(
          { path: this.path, setAside: aside, kind: d.kind, index: d.index, ...(d.id === undefined ? {} : { id: d.id }), reason: d.reason },
          `agent state: ${d.kind} entry ${d.index}${d.id === undefined ? '' : ` (${d.id})`} left out: ${d.reason}`,
        );
      }
    }
    return read.state;
  }

  /** Keeps the file's bytes under a free `.corrupt-<time>` name (moved, or copied when the good part is restored). */
  async #setAside(how: 'move' | 'copy', reason: string): Promise<string> {
    const stamp = new Date(this.#deps.clock.now()).toISOString().replace(/[-:]/g, '');
    const base = join(dirname(this.path), `${basename(this.path)}${CORRUPT_SUFFIX}${stamp}`);
    let aside = base;
    for (let n = 1; await exists(aside); n++) aside = `${base}-${n}`;
    if (how === 'move') await rename(this.path, aside);
    else await copyFile(this.path, aside);
    await fsyncDir(dirname(this.path));
    this.#deps.logger.warn(
      { path: this.path, setAside: aside, reason },
      how === 'move'
        ? `agent state file ${this.path} set aside as ${aside} (${reason}); starting with no API-registered services or checks`
        : `agent state file ${this.path} copied to ${aside} (${reason})`,
    );
    return aside;
  }

  /** Writes `snapshot()` (taken at write time, so the newest state goes out). */
  save(snapshot: () => PersistedState): Promise<void> {
    this.#dirty = true;
    this.#running ??= this.#loop(snapshot);
    return this.#running;
  }

  /** Resolves once no write is pending. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #loop(snapshot: () => PersistedState): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      while (this.#dirty) {
        this.#dirty = false;
        await writeFileAtomic(this.path, `${JSON.stringify(snapshot())}\n`, 0o600);
      }
    } finally {
      this.#running = undefined;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
