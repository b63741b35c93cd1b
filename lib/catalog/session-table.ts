import { ChorusError, ErrorCode } from '../core/errors.js';
import type { KvTable } from './kv-table.js';
import { nameKey, type RegistryTable } from './registry-table.js';
import { HealthStatus } from './registry-types.js';
import {
  sessionCheckIds, type CatalogSession, type LocksReleased, type SessionCreateCommand, type SessionRegistration,
} from './session-types.js';
import type { LogIndex } from './types.js';

/** What destroying sessions did: which went, the KV keys that changed, and the locks released. */
export interface SessionsDestroyed {
  ids: string[];
  kvKeys: string[];
  released: LocksReleased[];
}

type RegistryView = Pick<RegistryTable, 'node' | 'nodeChecks'>;

function rejected(message: string): ChorusError {
  return new ChorusError(ErrorCode.Rejected, message);
}

/**
 * The sessions table: sessions by ID and by node (lower-cased, as Consul's
 * node index is), and its own index. It keeps Consul's invariant that a live
 * session's node exists and none of its checks is missing or critical: a
 * create that would break it is refused, and after any registry change the
 * sessions of the nodes it touched are re-checked and those that broke it are
 * destroyed in the same apply (Consul's invalidation), all from the log alone.
 */
export class SessionTable {
  readonly #sessions = new Map<string, CatalogSession>();
  readonly #byNode = new Map<string, Set<string>>();
  #index: LogIndex = 0;

  get size(): number {
    return this.#sessions.size;
  }

  /** The last LogIndex that created or destroyed a session. */
  get index(): LogIndex {
    return this.#index;
  }

  get(id: string): CatalogSession | undefined {
    return this.#sessions.get(id);
  }

  /** Every session, ordered by ID (Consul's memdb order). */
  list(): CatalogSession[] {
    return [...this.#sessions.keys()].sort().map((id) => this.#sessions.get(id)!);
  }

  /** A node's sessions, ordered by ID. */
  nodeSessions(node: string): CatalogSession[] {
    return [...(this.#byNode.get(nameKey(node)) ?? [])].sort().map((id) => this.#sessions.get(id)!);
  }

  /** Consul's sessionCreateTxn checks, then the session. Throws Rejected with Consul's texts. */
  create(index: LogIndex, cmd: SessionCreateCommand, registry: RegistryView): CatalogSession {
    if (this.#sessions.has(cmd.ID)) throw rejected(`Session ID '${cmd.ID}' is already in use`);
    const problem = brokenBy(cmd, registry);
    if (problem !== undefined) throw rejected(problem);
    const { type: _type, ...registration } = cmd;
    const session: CatalogSession = { ...registration, CreateIndex: index, ModifyIndex: index };
    this.load(session);
    this.#index = index;
    return session;
  }

  /**
   * Destroys the sessions named (unknown ones are skipped) and acts on the
   * keys each held: `release` clears the holder and keeps the LockIndex,
   * `delete` deletes the key. Either way the key's ModifyIndex is `index`.
   */
  destroy(index: LogIndex, ids: readonly string[], kv: KvTable): SessionsDestroyed {
    const out: SessionsDestroyed = { ids: [], kvKeys: [], released: [] };
    for (const id of ids) {
      const session = this.#sessions.get(id);
      if (session === undefined) continue;
      this.#sessions.delete(id);
      const nodeKey = nameKey(session.Node);
      const onNode = this.#byNode.get(nodeKey)!;
      onNode.delete(id);
      if (onNode.size === 0) this.#byNode.delete(nodeKey);
      out.ids.push(id);
      const keys = kv.heldBy(id);
      for (const key of keys) {
        const entry = kv.get(key)!;
        const changed = session.Behavior === 'delete'
          ? kv.delete(index, { type: 'kv.delete', key }).changed
          : kv.unlock(index, { type: 'kv.unlock', key, value: entry.Value, flags: entry.Flags, session: id }).changed;
        out.kvKeys.push(...changed);
      }
      if (keys.length > 0) out.released.push({ session: id, keys, lockDelayNs: session.LockDelay });
    }
    if (out.ids.length > 0) this.#index = index;
    return out;
  }

  /**
   * The sessions on `nodeKeys` (lower-case node names a registry change
   * touched) that no longer hold: their node is gone, or a check they watch is
   * gone or critical. Ordered by ID, so every replica destroys them alike.
   */
  invalidatedBy(nodeKeys: Iterable<string>, registry: RegistryView): string[] {
    const out: string[] = [];
    for (const nodeKey of nodeKeys) {
      for (const id of this.#byNode.get(nodeKey) ?? []) {
        if (brokenBy(this.#sessions.get(id)!, registry) !== undefined) out.push(id);
      }
    }
    return out.sort();
  }

  /** Adds a session as it is (a snapshot row, checked by the caller, or a create). */
  load(session: CatalogSession): void {
    this.#sessions.set(session.ID, session);
    const nodeKey = nameKey(session.Node);
    let onNode = this.#byNode.get(nodeKey);
    if (onNode === undefined) this.#byNode.set(nodeKey, (onNode = new Set()));
    onNode.add(session.ID);
  }

  loadIndex(index: LogIndex): void {
    this.#index = index;
  }
}

/** Why `session` cannot live on the registry as it is, in Consul's words; undefined when it can. */
function brokenBy(session: SessionRegistration, registry: RegistryView): string | undefined {
  if (registry.node(session.Node) === undefined) return 'Missing node registration';
  const checks = registry.nodeChecks(session.Node);
  for (const id of sessionCheckIds(session)) {
    const check = checks.find((c) => nameKey(c.CheckID) === nameKey(id));
    if (check === undefined) return `Missing check '${id}' registration`;
    if (check.Status === HealthStatus.Critical) return `Check '${id}' is in critical state`;
  }
  return undefined;
}
