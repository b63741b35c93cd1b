import type { Clock, Logger, Random, Timer } from '../core/index.js';
import { StreamKind, type StreamTransport } from '../net/types.js';
import { Emitter } from '../core/emitter.js';
import { ConfigHistory, isVoter, quorumSize, voters } from './configuration.js';
import type { ResolvedRaftOptions } from './constants.js';
import type { RaftRequest, ResponseOf } from './messages.js';
import type { LogStore, SnapshotStore, StableStore } from './storage/types.js';
import type { LogIndex, RaftDeps, RaftEvents, RaftIdentity, RaftMetrics, RaftStatus, Role, ServerId, StateMachine, Term } from './types.js';
import { decodeMessage, encodeMessage } from './wire.js';

/** The parts of a node its collaborators call back into; set up by RaftNode. */
export interface CoreHooks {
  onElectionTimeout(): void;
  /** Leadership ended (step down): reject what waits on it. */
  onLeadershipLost(): void;
  /** Entries became committed: apply them. */
  onCommit(): void;
}

/**
 * The state every part of a Raft server shares — role, term, vote, known
 * leader, commit and applied index, configurations — and the transitions
 * between roles. Term and vote are changed here only, and each change is
 * saved at once; `hardStateDurable` resolves when the latest change is on
 * disk, and nothing that depends on it is answered before that.
 */
export class RaftCore {
  readonly id: ServerId;
  readonly address: string;
  readonly options: ResolvedRaftOptions;
  readonly clock: Clock;
  readonly random: Random;
  readonly transport: StreamTransport;
  readonly logger: Logger;
  readonly log: LogStore;
  readonly stable: StableStore;
  readonly snapshots: SnapshotStore;
  readonly stateMachine: StateMachine;
  readonly metrics: RaftMetrics | undefined;
  readonly events: Emitter<RaftEvents>;
  readonly configs = new ConfigHistory();

  role: Role = 'follower';
  term: Term = 0;
  votedFor: ServerId | undefined;
  leaderId: ServerId | undefined;
  leaderAddress: string | undefined;
  commitIndex: LogIndex = 0;
  lastApplied: LogIndex = 0;
  /** When an AppendEntries or InstallSnapshot from the current leader last arrived. */
  lastLeaderContact: number | undefined;
  /**
   * The leader's connection closed after that contact: no lease, though the
   * time of the last contact (what stale reads report) still holds.
   */
  #leaseRevoked = false;
  running = false;
  hardStateDurable: Promise<void> = Promise.resolve();
  hooks!: CoreHooks;
  #electionTimer: Timer | undefined;

  constructor(deps: RaftDeps, identity: RaftIdentity, options: ResolvedRaftOptions) {
    this.id = identity.id;
    this.address = identity.address;
    this.options = options;
    this.clock = deps.clock;
    this.random = deps.random;
    this.transport = deps.transport;
    this.logger = deps.logger;
    this.log = deps.storage.log;
    this.stable = deps.storage.stable;
    this.snapshots = deps.storage.snapshots;
    this.stateMachine = deps.stateMachine;
    this.metrics = deps.metrics;
    this.events = new Emitter<RaftEvents>((err, event) => this.logger.warn({ err, event }, 'raft event listener threw'));
  }

  count(name: string, by = 1): void {
    this.metrics?.increment(`raft.${name}`, by);
  }

  // ---- term and vote ----

  /** Adopts a newer term (forgetting the vote) and saves it. */
  observeTerm(term: Term): void {
    if (term <= this.term) return;
    this.term = term;
    this.votedFor = undefined;
    this.saveHardState();
  }

  vote(candidate: ServerId): void {
    this.votedFor = candidate;
    this.saveHardState();
  }

  /** Raises the term by one and votes for itself (a candidate). */
  campaignTerm(): void {
    this.term++;
    this.votedFor = this.id;
    this.saveHardState();
  }

  saveHardState(): void {
    const p = this.stable.save({ term: this.term, votedFor: this.votedFor });
    this.hardStateDurable = p;
    p.catch((err: unknown) => this.logger.error({ err }, 'saving raft term and vote failed'));
  }

  // ---- roles ----

  becomeFollower(leaderId?: ServerId, leaderAddress?: string): void {
    const wasLeader = this.role === 'leader';
    const changed = this.role !== 'follower' || this.leaderId !== leaderId;
    this.role = 'follower';
    this.leaderId = leaderId;
    this.leaderAddress = leaderAddress;
    if (wasLeader) this.hooks.onLeadershipLost();
    this.resetElectionTimer();
    if (changed) this.emitState();
  }

  setRole(role: Role): void {
    this.role = role;
    if (role !== 'follower') {
      this.leaderId = role === 'leader' ? this.id : undefined;
      this.leaderAddress = role === 'leader' ? this.address : undefined;
    }
    this.emitState();
  }

  emitState(): void {
    this.logger.debug({ role: this.role, term: this.term, leader: this.leaderId }, 'raft state');
    this.events.emit('state', this.status());
  }

  resetElectionTimer(): void {
    if (!this.running) {
      this.cancelElectionTimer();
      return;
    }
    const base = this.options.electionTimeoutMs;
    this.#armElectionTimer(base + Math.floor(this.random.next() * base));
  }

  #armElectionTimer(ms: number): void {
    this.#electionTimer?.cancel();
    this.#electionTimer = this.clock.setTimer(ms, () => this.hooks.onElectionTimeout());
  }

  /**
   * The connection the leader's appends came on closed: its process most
   * likely died (the OS closed its sockets), so waiting out the election
   * timeout would only delay the failover. The lease goes, so this server
   * grants other pre-votes and votes, and it campaigns within two heartbeat
   * intervals (random, so the survivors do not all start at once). Starting
   * early is always safe; a live leader still heard by the others keeps its
   * place, since they refuse the pre-vote (stickiness). The time of the last
   * contact is kept: it is still true, and stale reads report it.
   */
  leaderConnectionLost(leaderId: ServerId, term: Term): void {
    if (!this.running || this.role !== 'follower' || this.leaderId !== leaderId || this.term !== term) return;
    this.count('leader_connection_lost');
    this.logger.debug({ leader: leaderId, term }, 'connection from the raft leader closed; campaigning early');
    this.#leaseRevoked = true;
    this.#armElectionTimer(Math.floor(this.random.next() * 2 * this.options.heartbeatIntervalMs));
  }

  cancelElectionTimer(): void {
    this.#electionTimer?.cancel();
    this.#electionTimer = undefined;
  }

  /** An AppendEntries or InstallSnapshot from the current leader arrived. */
  heardFromLeader(): void {
    this.lastLeaderContact = this.clock.now();
    this.#leaseRevoked = false;
  }

  /**
   * Whether a leader was heard from within the minimum election timeout
   * (leader stickiness), and its connection has not closed since.
   */
  inLeaderLease(): boolean {
    if (this.role === 'leader') return true;
    return (
      this.leaderId !== undefined &&
      !this.#leaseRevoked &&
      this.lastLeaderContact !== undefined &&
      this.clock.now() - this.lastLeaderContact < this.options.electionTimeoutMs
    );
  }

  // ---- configuration ----

  latestConfig() {
    return this.configs.latest().config;
  }

  isVoter(id: ServerId = this.id): boolean {
    return isVoter(this.latestConfig(), id);
  }

  voterIds(): readonly ServerId[] {
    return voters(this.latestConfig());
  }

  quorum(): number {
    return quorumSize(this.voterIds().length);
  }

  addressOf(id: ServerId): string | undefined {
    return this.latestConfig().servers.find((s) => s.id === id)?.address;
  }

  // ---- log ----

  /** Whether a candidate's log is at least as up to date as ours (§5.4.1). */
  upToDate(lastLogIndex: LogIndex, lastLogTerm: Term): boolean {
    const myTerm = this.log.lastTerm();
    return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= this.log.lastIndex());
  }

  commitTo(index: LogIndex): void {
    if (index <= this.commitIndex) return;
    this.commitIndex = index;
    this.hooks.onCommit();
  }

  // ---- transport ----

  /** Sends one request and decodes the reply; rejects on transport failure or a reply of the wrong type. */
  async request<R extends RaftRequest>(address: string, req: R, timeoutMs: number): Promise<ResponseOf[R['type']]> {
    const bytes = await this.transport.request(address, StreamKind.Raft, encodeMessage(req), timeoutMs);
    const resp = decodeMessage(bytes);
    const expected = req.type === 'append' ? 'appendResponse' : req.type === 'snapshot' ? 'snapshotResponse' : 'voteResponse';
    if (resp.type !== expected) throw new Error(`expected ${expected}, got ${resp.type}`);
    return resp as ResponseOf[R['type']];
  }

  status(): RaftStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leaderId: this.leaderId,
      leaderAddress: this.leaderAddress,
      commitIndex: this.commitIndex,
      appliedIndex: this.lastApplied,
      lastLogIndex: this.log.lastIndex(),
      lastContactMs: this.lastContactMs(),
      configuration: structuredClone(this.latestConfig()),
    };
  }

  lastContactMs(): number | undefined {
    if (this.role === 'leader') return 0;
    return this.lastLeaderContact === undefined ? undefined : this.clock.now() - this.lastLeaderContact;
  }
}
