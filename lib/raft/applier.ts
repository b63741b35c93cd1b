import type { ChorusError } from '../core/index.js';
import { entryLost } from './errors.js';
import type { RaftCore } from './core.js';
import type { LogIndex, Term } from './types.js';

interface Waiter {
  term: Term;
  resolve: (result: unknown) => void;
  reject: (err: ChorusError) => void;
}

/**
 * Applies committed entries to the state machine in log order and settles
 * the proposals waiting for them. A proposal is identified by (index, term):
 * if a different entry ends up at its index, it was lost.
 */
export class Applier {
  readonly #core: RaftCore;
  readonly #afterApply: () => void;
  readonly #waiting = new Map<LogIndex, Waiter>();
  #applying = false;

  constructor(core: RaftCore, afterApply: () => void) {
    this.#core = core;
    this.#afterApply = afterApply;
  }

  get pending(): number {
    return this.#waiting.size;
  }

  wait(index: LogIndex, term: Term): Promise<unknown> {
    return new Promise((resolve, reject) => this.#waiting.set(index, { term, resolve, reject }));
  }

  applyCommitted(): void {
    // apply() may lead (through listeners) back here; one loop does all the work.
    if (this.#applying) return;
    this.#applying = true;
    const core = this.#core;
    try {
      while (core.lastApplied < core.commitIndex) {
        const index = core.lastApplied + 1;
        const entry = core.log.entry(index);
        if (entry === undefined) {
          core.logger.error({ index, base: core.log.baseIndex(), last: core.log.lastIndex() }, 'committed entry missing from the raft log');
          break;
        }
        let result: unknown;
        if (entry.kind === 'command') result = core.stateMachine.apply(entry);
        core.lastApplied = index;
        const waiter = this.#waiting.get(index);
        if (waiter !== undefined) {
          this.#waiting.delete(index);
          if (waiter.term === entry.term) waiter.resolve(result);
          else waiter.reject(lostEntry(core));
        }
        core.events.emit('applied', entry, result);
      }
    } finally {
      this.#applying = false;
    }
    this.#afterApply();
  }

  rejectAll(err: ChorusError): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.reject(err);
  }
}

function lostEntry(core: RaftCore): ChorusError {
  return entryLost(core.leaderId, core.leaderAddress);
}
