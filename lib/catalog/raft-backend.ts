import type { Clock } from '../core/clock.js';
import { ChorusError, ErrorCode, isChorusError } from '../core/errors.js';
import type { RaftNode, LogEntry, StateMachine } from '../raft/index.js';
import type { StreamTransport } from '../net/types.js';
import type { CatalogBackend, ConsistencyMode, QueryAnswer, QueryResult } from './backend.js';
import { decodeCommand, encodeCommand, validateCommand } from './commands.js';
import { forward, serveForwarding } from './forward.js';
import type { SessionLeader } from './session-leader.js';
import type { CatalogSession, SessionEvents } from './session-types.js';
import { CatalogState, type CatalogReader } from './state.js';
import type { CatalogCommand, LogIndex, ResultOf, WatchScope } from './types.js';
import { WatchRegistry } from './watch.js';

/** While no leader is known, a request waits this long for one before failing (an election takes about a second). */
export const LEADER_WAIT_MS = 5_000;
const LEADER_POLL_MS = 50;

/** A command that failed inside apply; returned rather than thrown, so the Raft applier never stops. */
interface AppliedError {
  __catalogError: { code: string; message: string };
}

function isAppliedError(v: unknown): v is AppliedError {
  return typeof v === 'object' && v !== null && '__catalogError' in v;
}

/** The catalog as Raft's state machine: log entries are encoded catalog commands. */
export class CatalogStateMachine implements StateMachine {
  readonly watches = new WatchRegistry();
  readonly state: CatalogState;

  /** `events`: what the server's session duties (TTL timers, lock-delays) hear from apply. */
  constructor(events: SessionEvents = {}) {
    this.state = new CatalogState(this.watches, events);
  }

  apply(entry: LogEntry): unknown {
    try {
      return this.state.apply(entry.index, decodeCommand(entry.data));
    } catch (err) {
      // Every replica fails the same command the same way; the error goes back to the proposer only.
      return { __catalogError: { code: isChorusError(err) ? err.code : ErrorCode.Internal, message: (err as Error).message } } satisfies AppliedError;
    }
  }

  snapshot(): Uint8Array {
    return this.state.snapshot();
  }

  restore(data: Uint8Array): void {
    this.state.restore(data);
  }
}

export interface RaftBackendDeps {
  raft: RaftNode;
  machine: CatalogStateMachine;
  transport: StreamTransport;
  clock: Clock;
  datacenter: string;
  /** This server's session duties: lock-delays checked before an acquire is proposed, TTL renewals. */
  sessions?: SessionLeader | undefined;
}

/**
 * The catalog on a server: writes go through the Raft log (forwarded to the
 * leader from a follower), default and `?consistent` reads on a follower
 * first learn the leader's read index and wait until this server has applied
 * it, so they are as fresh as the leader's own; `?stale` reads answer from
 * what this server has.
 */
export class RaftCatalogBackend implements CatalogBackend {
  readonly datacenter: string;

  constructor(private readonly deps: RaftBackendDeps) {
    this.datacenter = deps.datacenter;
    serveForwarding(deps.transport, {
      write: (command) => this.#writeHere(command),
      readIndex: async (mode) => (await deps.raft.read(mode, () => null)).index,
      removeServer: (id) => deps.raft.removeServer(id),
      renewSession: async (id) => this.#renewHere(id) ?? null,
    });
  }

  get state(): CatalogReader {
    return this.deps.machine.state;
  }

  async read<T>(mode: ConsistencyMode, query: (state: CatalogReader) => QueryResult<T>): Promise<QueryAnswer<T>> {
    const { raft, machine } = this.deps;
    if (mode === 'stale') return this.#answer(query(machine.state));
    const raftMode = mode === 'consistent' ? 'consistent' : 'leader';
    return this.#withLeader(async (leaderAddress) => {
      if (raft.isLeader) {
        const r = await raft.read(raftMode, () => query(machine.state));
        return { ...r.value, knownLeader: true, lastContactMs: 0 };
      }
      const index = (await this.#untilLeaderChanges(leaderAddress, forward(this.deps.transport, leaderAddress, { op: 'readIndex', mode: raftMode }), 'no')) as number;
      await this.#appliedAtLeast(index);
      return this.#answer(query(machine.state));
    });
  }

  async write<C extends CatalogCommand>(command: C): Promise<ResultOf<C>> {
    // Validate before the log: a malformed command must not take up an index.
    const checked = validateCommand(command);
    return (await this.#withLeader((leaderAddress) =>
      this.deps.raft.isLeader
        ? this.#writeHere(checked)
        : this.#untilLeaderChanges(leaderAddress, forward(this.deps.transport, leaderAddress, { op: 'write', command: checked }), 'unknown'),
    )) as ResultOf<C>;
  }

  /**
   * Takes server `id` out of the Raft configuration through the leader (as
   * Consul's servers do when they leave gracefully), so the others do not
   * count a server that is gone towards their quorum.
   */
  async removeServer(id: string): Promise<void> {
    await this.#withLeader((leaderAddress) =>
      this.deps.raft.isLeader ? this.deps.raft.removeServer(id) : forward(this.deps.transport, leaderAddress, { op: 'removeServer', id }),
    );
  }

  /**
   * Consul's Session.Renew: on the leader (forwarded there from a follower),
   * which restarts the session's TTL timer and answers from its own state.
   * No log entry: a renewal changes nothing replicated, and it is the most
   * frequent session call. Undefined when the leader knows no such session.
   */
  async renewSession(id: string): Promise<CatalogSession | undefined> {
    const found = await this.#withLeader((leaderAddress) =>
      this.deps.raft.isLeader
        ? Promise.resolve(this.#renewHere(id))
        : this.#untilLeaderChanges(leaderAddress, forward(this.deps.transport, leaderAddress, { op: 'renewSession', id }), 'no'),
    );
    return (found ?? undefined) as CatalogSession | undefined;
  }

  #renewHere(id: string): CatalogSession | undefined {
    const session = this.deps.machine.state.sessions.get(id);
    return this.deps.sessions === undefined ? session : this.deps.sessions.renew(session);
  }

  waitForChange(scope: WatchScope, minIndex: LogIndex, signal: AbortSignal): Promise<boolean> {
    const { machine } = this.deps;
    if (machine.state.scopeIndex(scope) > minIndex) return Promise.resolve(true);
    return machine.watches.wait(scope, minIndex, signal);
  }

  async #writeHere(command: CatalogCommand): Promise<unknown> {
    // Lock-delay is the leader's clock's business, so it is checked here, before the log, for forwarded acquires too.
    if (this.deps.sessions?.refuses(command)) return false;
    const result = await this.deps.raft.propose(encodeCommand(command));
    if (isAppliedError(result)) throw new ChorusError(result.__catalogError.code as ErrorCode, result.__catalogError.message);
    return result;
  }

  /**
   * A request forwarded to a leader that is then replaced (it was cut off or
   * died) would otherwise wait out the whole forward timeout. It ends as soon
   * as this server learns of another leader: a read is simply asked again
   * (`applied: 'no'`); a write's outcome is unknown, since the old leader may
   * have replicated it, so the caller is told so rather than it being sent
   * twice.
   */
  #untilLeaderChanges<T>(leaderAddress: string, request: Promise<T>, applied: 'no' | 'unknown'): Promise<T> {
    const raft = this.deps.raft;
    let off: () => void = () => undefined;
    const changed = new Promise<never>((_resolve, reject) => {
      off = raft.on('state', (status) => {
        if (status.leaderAddress === undefined || status.leaderAddress === leaderAddress) return;
        reject(new ChorusError(ErrorCode.Unavailable, `the leader changed while the request was forwarded to ${leaderAddress}${applied === 'unknown' ? '; its outcome is unknown' : ''}`, {
          details: { applied },
        }));
      });
    });
    return Promise.race([request, changed]).finally(off);
  }

  #answer<T>(r: QueryResult<T>): QueryAnswer<T> {
    const raft = this.deps.raft;
    return { ...r, knownLeader: raft.leaderId !== undefined, lastContactMs: raft.isLeader ? 0 : (raft.lastContactMs() ?? 0) };
  }

  /**
   * Runs `fn` with the leader's address, waiting a while for an election
   * when none is known, and once more when the leader changed under it.
   */
  async #withLeader<T>(fn: (leaderAddress: string) => Promise<T>): Promise<T> {
    const deadline = this.deps.clock.now() + LEADER_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      const raft = this.deps.raft;
      if (raft.leaderAddress !== undefined || raft.isLeader) {
        try {
          return await fn(raft.leaderAddress ?? '');
        } catch (err) {
          // "Not the leader" (no entry was appended): safe to retry against the new one.
          const notApplied = isChorusError(err, ErrorCode.Unavailable) && (err.details.applied === 'no' || err.details.delivered === false);
          if (!notApplied || attempt >= 3 || this.deps.clock.now() > deadline) throw err;
        }
      } else if (this.deps.clock.now() > deadline) {
        throw new ChorusError(ErrorCode.OperationFailed, 'No cluster leader');
      }
      await new Promise<void>((resolve) => this.deps.clock.setTimer(LEADER_POLL_MS, resolve));
    }
  }

  #appliedAtLeast(index: LogIndex): Promise<void> {
    const raft = this.deps.raft;
    if (raft.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.deps.clock.setTimer(LEADER_WAIT_MS, () => {
        off();
        reject(new ChorusError(ErrorCode.Timeout, `this server did not catch up to index ${index} in time`));
      });
      const off = raft.on('applied', (entry) => {
        if (entry.index < index) return;
        off();
        timer.cancel();
        resolve();
      });
    });
  }
}
