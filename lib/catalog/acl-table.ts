import type { Mutation } from './kv-table.js';
import type { AclDeleteCommand, AclSetCommand, AclToken, LogIndex } from './types.js';

/**
 * The legacy ACL tokens, by ID. Entries are immutable like KV entries: a
 * change replaces the object. The table has no tombstones: blocking queries
 * on it wait on the whole table's index, which a delete moves too.
 */
export class AclTable {
  readonly #tokens = new Map<string, AclToken>();

  get size(): number {
    return this.#tokens.size;
  }

  get(id: string): AclToken | undefined {
    return this.#tokens.get(id);
  }

  /** Every token, ordered by ID (Consul's memdb order), so every replica lists alike. */
  list(): AclToken[] {
    return [...this.#tokens.keys()].sort().map((id) => this.#tokens.get(id)!);
  }

  /**
   * Creates or replaces a token. With `ifAbsent`, an existing token is left
   * as it is (the leader's bootstrap of the master and anonymous tokens must
   * not undo an operator's later change) and the result is false.
   */
  set(index: LogIndex, cmd: AclSetCommand): Mutation<boolean> {
    const existing = this.#tokens.get(cmd.id);
    if (existing !== undefined && cmd.ifAbsent === true) return { result: false, changed: [] };
    if (existing !== undefined && existing.Name === cmd.name && existing.Type === cmd.tokenType && existing.Rules === cmd.rules) {
      return { result: true, changed: [] };
    }
    const token: AclToken = {
      ID: cmd.id, Name: cmd.name, Type: cmd.tokenType, Rules: cmd.rules,
      CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index,
    };
    this.#tokens.set(cmd.id, token);
    return { result: true, changed: [cmd.id] };
  }

  /** Deleting a token that is not there succeeds and changes nothing. */
  delete(_index: LogIndex, cmd: AclDeleteCommand): Mutation<boolean> {
    if (!this.#tokens.delete(cmd.id)) return { result: true, changed: [] };
    return { result: true, changed: [cmd.id] };
  }

  /** Loads one token from a snapshot (checked by the caller). */
  load(token: AclToken): void {
    this.#tokens.set(token.ID, token);
  }
}
