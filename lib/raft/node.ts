import { ChorusError, ErrorCode, messageOf } from '../core/index.js';
import { StreamKind, type InboundConnection } from '../net/types.js';
import { Applier } from './applier.js';
import { validateConfiguration, EMPTY_CONFIG } from './configuration.js';
import { RAFT_DEFAULTS, type RaftOptions, type ResolvedRaftOptions } from './constants.js';
import { RaftCore } from './core.js';
import { Election } from './election.js';
import { leadershipLost, notBootstrappable, notLeader, shuttingDown, tooBusy } from './errors.js';
import { FollowerHandlers } from './follower.js';
import { Leadership } from './leadership.js';
import { Membership } from './membership.js';
import type { RaftRequest, RaftResponse } from './messages.js';
import { Snapshotter } from './snapshotter.js';
import type {
  Configuration,
  EntryKind,
  LogEntry,
  RaftDeps,
  RaftEvents,
  RaftIdentity,
  RaftStatus,
  ReadMode,
  ReadResult,
  ServerId,
  SnapshotMeta,
} from './types.js';
import { decodeMessage, encodeMessage } from './wire.js';

type Handlers = { [K in RaftRequest['type']]: (req: Extract<RaftRequest, { type: K }>, conn: InboundConnection | undefined) => Promise<RaftResponse> | RaftResponse };

export function resolveRaftOptions(options: RaftOptions = {}): ResolvedRaftOptions {
  const o = { ...RAFT_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as ResolvedRaftOptions;
  if (!(o.heartbeatIntervalMs > 0 && o.electionTimeoutMs > o.heartbeatIntervalMs)) {
    throw new ChorusError(ErrorCode.InvalidConfig, 'raft needs 0 < heartbeatIntervalMs < electionTimeoutMs');
  }
  if (!(o.maxInflightAppends >= 1 && o.maxEntriesPerAppend >= 1 && o.snapshotChunkBytes >= 1 && o.snapshotThreshold >= 1 && o.trailingLogs >= 0)) {
    throw new ChorusError(ErrorCode.InvalidConfig, 'raft limits must be positive');
  }
  return o;
}

/**
 * One Raft server. Everything it touches comes in through `deps` (clock,
 * random, transport, storage, state machine, logger), so the same code runs
 * on sockets and disks or inside the simulator.
 */
export class RaftNode {
  readonly #core: RaftCore;
  readonly #election: Election;
  readonly #follower: FollowerHandlers;
  readonly #applier: Applier;
  readonly #snapshotter: Snapshotter;
  readonly #membership: Membership;
  readonly #handlers: Handlers;
  #leadership: Leadership | undefined;
  #started = false;

  constructor(deps: RaftDeps, identity: RaftIdentity, options: RaftOptions = {}) {
    const core = new RaftCore(deps, identity, resolveRaftOptions(options));
    this.#core = core;
    this.#snapshotter = new Snapshotter(core);
    this.#applier = new Applier(core, () => {
      this.#leadership?.reads.onApplied();
      this.#onConfigApplied();
      this.#snapshotter.maybeSnapshot();
    });
    this.#election = new Election(core, () => this.#becomeLeader());
    this.#follower = new FollowerHandlers(core, (meta) => this.#snapshotter.installed(meta));
    this.#membership = new Membership({
      core,
      leadership: () => this.#leadership,
      appendConfig: (config) => this.#propose('config', new Uint8Array(0), config),
    });
    core.hooks = {
      onElectionTimeout: () => this.#election.onElectionTimeout(),
      onLeadershipLost: () => this.#endLeadership(),
      onCommit: () => this.#applier.applyCommitted(),
    };
    this.#handlers = {
      preVote: (req) => this.#election.handlePreVote(req),
      vote: (req) => this.#election.handleVote(req),
      append: (req, conn) => this.#follower.handleAppend(req, conn),
      snapshot: (req, conn) => this.#follower.handleSnapshot(req, conn),
    };
  }

  get id(): ServerId {
    return this.#core.id;
  }

  get options(): Readonly<ResolvedRaftOptions> {
    return this.#core.options;
  }

  get isLeader(): boolean {
    return this.#core.role === 'leader';
  }

  // Cheap reads of what status() reports, for the per-request paths: status() copies the configuration.
  get role(): RaftStatus['role'] {
    return this.#core.role;
  }

  get leaderId(): string | undefined {
    return this.#core.leaderId;
  }

  get leaderAddress(): string | undefined {
    return this.#core.leaderAddress;
  }

  get appliedIndex(): number {
    return this.#core.lastApplied;
  }

  lastContactMs(): number | undefined {
    return this.#core.lastContactMs();
  }

  /** Recovers from storage (snapshot, term and vote, log), then starts serving RPCs and its election timer. */
  async start(): Promise<void> {
    if (this.#started) throw new ChorusError(ErrorCode.Internal, 'raft node already started');
    this.#started = true;
    const core = this.#core;
    await core.log.open();
    const hard = await core.stable.load();
    core.term = hard.term;
    core.votedFor = hard.votedFor;
    const snapshot = await core.snapshots.latest();
    let base = { index: 0, config: EMPTY_CONFIG };
    if (snapshot !== undefined) {
      const { meta } = snapshot;
      core.stateMachine.restore(snapshot.data);
      core.lastApplied = core.commitIndex = meta.index;
      this.#snapshotter.installed(meta);
      base = { index: meta.index, config: meta.config };
      const log = core.log;
      if (log.baseIndex() > meta.index) {
        throw new ChorusError(ErrorCode.CorruptData, `raft log is compacted past the latest snapshot (${log.baseIndex()} > ${meta.index})`);
      }
      // A crash between saving an installed snapshot and cutting the log leaves a log that disagrees with it.
      if (log.termAt(meta.index) !== meta.term && log.lastIndex() > log.baseIndex()) log.truncateSuffix(log.baseIndex() + 1);
      log.compactPrefix(meta.index, meta.term);
    }
    core.configs.reset(base, core.log.entries(base.index + 1, core.log.lastIndex()));
    core.transport.handle(StreamKind.Raft, (_from, bytes, _signal, conn) => this.#serve(bytes, conn));
    core.running = true;
    core.resetElectionTimer();
    core.logger.info({ term: core.term, lastIndex: core.log.lastIndex(), snapshot: snapshot?.meta.index ?? 0 }, 'raft node started');
  }

  /** Stops timers and leadership and fails every pending operation; storage is closed. */
  async stop(): Promise<void> {
    const core = this.#core;
    if (!core.running) return;
    core.running = false;
    core.cancelElectionTimer();
    this.#endLeadership(shuttingDown());
    this.#applier.rejectAll(shuttingDown());
    await Promise.allSettled([core.log.close(), core.stable.close(), core.snapshots.close()]);
  }

  /**
   * Writes the first configuration of a new cluster. Every server named in it
   * must be bootstrapped with the same configuration; a server that already
   * has state refuses.
   */
  async bootstrap(configuration: Configuration): Promise<void> {
    const core = this.#core;
    if (!core.running) throw new ChorusError(ErrorCode.Unavailable, 'raft node is not running');
    validateConfiguration(configuration);
    if (core.term !== 0 || core.log.lastIndex() !== 0) throw notBootstrappable('this server already has raft state');
    const entry: LogEntry = { index: 1, term: 1, kind: 'config', data: new Uint8Array(0), config: structuredClone(configuration) };
    core.observeTerm(1);
    core.log.append([entry]);
    core.configs.onAppend([entry]);
    await Promise.all([core.log.sync(), core.hardStateDurable]);
    core.logger.info({ servers: configuration.servers.map((s) => s.id) }, 'raft bootstrapped');
  }

  /** Replicates a state machine command; resolves with apply()'s result on this (leader) server. */
  propose(command: Uint8Array): Promise<unknown> {
    return this.#propose('command', command);
  }

  #propose(kind: EntryKind, data: Uint8Array, config?: Configuration): Promise<unknown> {
    const core = this.#core;
    const l = this.#leadership;
    if (!core.running) return Promise.reject(shuttingDown());
    if (l === undefined) return Promise.reject(notLeader(core.leaderId, core.leaderAddress));
    if (this.#applier.pending >= core.options.maxPendingProposals) return Promise.reject(tooBusy(this.#applier.pending));
    const index = l.append(kind, data, config);
    return this.#applier.wait(index, l.term);
  }

  /** Runs `query` against the applied state under the guarantee `mode` names. */
  async read<T>(mode: ReadMode, query: () => T): Promise<ReadResult<T>> {
    const core = this.#core;
    if (!core.running) throw shuttingDown();
    if (mode === 'consistent' || mode === 'leader') {
      const l = this.#leadership;
      if (l === undefined) throw notLeader(core.leaderId, core.leaderAddress);
      // A leader read without a lease (just elected, or cut off) confirms leadership like a consistent one.
      if (mode === 'consistent' || !l.holdsReadLease()) await l.reads.add();
    }
    return {
      value: query(),
      index: core.lastApplied,
      knownLeader: core.leaderId !== undefined,
      lastContactMs: core.lastContactMs() ?? Infinity,
    };
  }

  addServer(id: ServerId, address: string): Promise<void> {
    return this.#membership.addServer(id, address);
  }

  removeServer(id: ServerId): Promise<void> {
    return this.#membership.removeServer(id);
  }

  /** Takes a snapshot now (normally taken every `snapshotThreshold` applied entries). */
  takeSnapshot(): Promise<SnapshotMeta | undefined> {
    return this.#snapshotter.take();
  }

  status(): RaftStatus {
    return this.#core.status();
  }

  on<K extends keyof RaftEvents>(event: K, listener: RaftEvents[K]): () => void {
    return this.#core.events.on(event, listener);
  }

  /** The log as this server holds it (base, last], for tests and tooling. */
  logEntries(): { base: number; baseTerm: number; entries: LogEntry[] } {
    const log = this.#core.log;
    return { base: log.baseIndex(), baseTerm: log.termAt(log.baseIndex()) ?? 0, entries: log.entries(log.baseIndex() + 1, log.lastIndex()) };
  }

  async #serve(bytes: Uint8Array, conn: InboundConnection | undefined): Promise<Uint8Array> {
    const core = this.#core;
    let req: RaftRequest;
    try {
      const msg = decodeMessage(bytes);
      if (!(msg.type in this.#handlers)) throw new ChorusError(ErrorCode.BadRequest, `${msg.type} is not a request`);
      req = msg as RaftRequest;
    } catch (err) {
      core.count('malformed_messages');
      core.logger.debug({ err: messageOf(err) }, 'dropping malformed raft message');
      throw err;
    }
    if (!core.running) throw shuttingDown();
    const handler = this.#handlers[req.type] as (r: RaftRequest, c: InboundConnection | undefined) => Promise<RaftResponse> | RaftResponse;
    return encodeMessage(await handler(req, conn));
  }

  #becomeLeader(): void {
    const core = this.#core;
    if (!core.running) return;
    core.cancelElectionTimer();
    core.setRole('leader');
    core.lastLeaderContact = core.clock.now();
    this.#leadership = new Leadership(core);
    this.#leadership.start();
  }

  #endLeadership(err?: ChorusError): void {
    const l = this.#leadership;
    if (l === undefined) return;
    this.#leadership = undefined;
    l.stop();
    const core = this.#core;
    l.reads.rejectAll(err ?? notLeader(core.leaderId, core.leaderAddress));
    this.#applier.rejectAll(err ?? leadershipLost(core.leaderId, core.leaderAddress));
  }

  /** A leader removed from the configuration steps down once the removal is committed. */
  #onConfigApplied(): void {
    const core = this.#core;
    const l = this.#leadership;
    if (l === undefined) return;
    l.syncProgress();
    const committed = core.configs.at(core.commitIndex);
    if (committed.index === core.configs.latest().index && !committed.config.servers.some((s) => s.id === core.id)) {
      core.logger.info('removed from the raft configuration; stepping down');
      core.becomeFollower();
    }
  }
}
