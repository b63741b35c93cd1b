import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { ChorusError, ErrorCode } from '../core/errors.js';
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

/**
 * The API-registered services and checks (maintenance included) in one file
 * of the data directory, replaced atomically. Writes are coalesced: a save
 * that arrives while one is running is folded into one more write, and every
 * caller resolves once a write that includes its change is on disk.
 */
export class AgentStateFile {
  readonly path: string;
  #dirty = false;
  #running: Promise<void> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** The saved state, or undefined when nothing was ever saved. CorruptData when the file cannot be read back. */
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
      throw new ChorusError(ErrorCode.CorruptData, `${this.path} is not valid JSON`, { cause: err });
    }
    const state = parsed as Partial<PersistedState> | null;
    if (state === null || state.version !== 1 || !Array.isArray(state.services) || !Array.isArray(state.checks)) {
      throw new ChorusError(ErrorCode.CorruptData, `${this.path} is not an agent state file this version understands`);
    }
    return state as PersistedState;
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
