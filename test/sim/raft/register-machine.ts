import { decode, encode } from '../../../lib/core/index.js';
import type { LogEntry, StateMachine } from '../../../lib/raft/index.js';

export type RegisterCommand = { op: 'put'; key: string; value: string } | { op: 'cas'; key: string; from: string | null; to: string };

export function encodeCommand(c: RegisterCommand): Uint8Array {
  return encode(c);
}

/** The test state machine: a map of registers with put and compare-and-set. */
export class RegisterMachine implements StateMachine {
  values = new Map<string, string>();
  applied = 0;

  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  apply(entry: LogEntry): unknown {
    this.applied = entry.index;
    const c = decode(entry.data) as RegisterCommand;
    if (c.op === 'put') {
      this.values.set(c.key, c.value);
      return true;
    }
    if (this.get(c.key) === c.from) {
      this.values.set(c.key, c.to);
      return true;
    }
    return false;
  }

  snapshot(): Uint8Array {
    return encode([this.applied, [...this.values.entries()]]);
  }

  restore(data: Uint8Array): void {
    const [applied, entries] = decode(data) as [number, [string, string][]];
    this.applied = applied;
    this.values = new Map(entries);
  }
}
