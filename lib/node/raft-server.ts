import { join } from 'node:path';
import type { Butterfly, Member } from '../butterfly/index.js';
import type { Clock, Timer } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { Logger } from '../core/logger.js';
import { isChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { StreamTransport } from '../net/types.js';
import { RaftNode, fileStorage, type Configuration, type RaftOptions, type RaftStatus } from '../raft/index.js';
import { CatalogStateMachine, RaftCatalogBackend, SessionLeader, TombstoneGc } from '../catalog/index.js';
import { SerfHealthReconciler } from './serf-health.js';

/** How often servers look at the ring to bootstrap, and the leader reconciles the configuration with it. */
export const RECONCILE_INTERVAL_MS = 1_000;
/** A server failed for this long is removed from the configuration by the leader (autopilot's dead server clean-up). */
export const DEAD_SERVER_REMOVAL_MS = 5 * 60_000;

/** Gossip tags a server advertises: its role, the expected bootstrap size, and whether it holds Raft state. */
export const TAG_ROLE = 'role';
export const TAG_EXPECT = 'expect';
export const TAG_RAFT = 'raft';
/** The raft tag of a server on its way out: never added to the configuration. */
export const RAFT_TAG_LEAVING = 'leaving';

export interface RaftServerDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  butterfly: Butterfly;
  transport: StreamTransport;
}

export interface RaftServerConfig {
  memberId: string;
  /** This server's cluster stream address, as the other servers reach it. */
  address: string;
  dataDir: string;
  datacenter: string;
  bootstrapExpect: number | undefined;
  raft: RaftOptions;
  deadServerRemovalMs?: number;
  /** How long KV tombstones outlive their keys (Consul's tombstone_ttl, 15 minutes). */
  tombstoneTtlMs?: number;
  /** Session TTL multiplier (default 2, Consul's). */
  sessionTtlMultiplier?: number | undefined;
}

/**
 * A `--server` node's share of the catalog: the Raft node with its storage
 * in the data directory, servers found through gossip, the first
 * configuration formed once `--bootstrap-expect` servers see each other, and
 * on the leader, servers added as they join the ring and removed when they
 * leave it (or stay failed too long).
 */
export class RaftServer {
  readonly machine: CatalogStateMachine;
  readonly raft: RaftNode;
  /** Lock-delays on every server; while this one leads, the session TTL timers too. */
  readonly sessions: SessionLeader;
  readonly backend: RaftCatalogBackend;
  /** On the leader: ring members as catalog nodes with their serfHealth checks. */
  readonly serfHealth: SerfHealthReconciler;
  #timer: Timer | undefined;
  #reconciling = false;
  #stopped = false;
  /** Set once leave() starts: the ring is told, so the leader does not add this server back while it goes. */
  #leaving = false;
  readonly #failedSince = new Map<string, number>();
  readonly #tombstones: TombstoneGc;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(private readonly config: RaftServerConfig, private readonly deps: RaftServerDeps) {
    this.sessions = new SessionLeader(
      { clock: deps.clock, logger: deps.logger, destroy: (id) => this.backend.write({ type: 'session.destroy', ID: id }) },
      config.sessionTtlMultiplier === undefined ? {} : { multiplier: config.sessionTtlMultiplier },
    );
    this.machine = new CatalogStateMachine(this.sessions.events);
    this.raft = new RaftNode(
      {
        clock: deps.clock,
        random: deps.random,
        transport: deps.transport,
        logger: deps.logger,
        storage: fileStorage(join(config.dataDir, 'raft')),
        stateMachine: this.machine,
      },
      { id: config.memberId, address: config.address },
      config.raft,
    );
    this.#tombstones = new TombstoneGc(config.tombstoneTtlMs);
    this.backend = new RaftCatalogBackend({
      raft: this.raft, machine: this.machine, transport: deps.transport, clock: deps.clock, datacenter: config.datacenter, sessions: this.sessions,
    });
    this.serfHealth = new SerfHealthReconciler(
      { datacenter: config.datacenter, nodeName: deps.butterfly.self.name },
      { backend: this.backend, members: () => deps.butterfly.members(), logger: deps.logger },
    );
  }

  async start(): Promise<void> {
    await this.raft.start();
    this.#advertise();
    let leader: string | undefined;
    this.raft.on('state', (status) => {
      this.#advertise();
      this.#followLeadership();
      if (status.leaderId === leader) return;
      leader = status.leaderId;
      if (leader === undefined) this.deps.logger.warn(`raft: no leader known (term ${status.term})`);
      else this.deps.logger.info({ term: status.term, commitIndex: status.commitIndex, appliedIndex: status.appliedIndex }, `raft: leader is ${status.leaderAddress} (term ${status.term})`);
      this.#reconcileSerfHealth();
    });
    // Membership changes reach the catalog at once rather than at the next tick.
    for (const event of ['joined', 'alive', 'updated', 'failed', 'left', 'departed', 'reaped'] as const) {
      this.#unsubscribe.push(this.deps.butterfly.on(event, () => this.#reconcileSerfHealth()));
    }
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.sessions.stop();
    for (const off of this.#unsubscribe.splice(0)) off();
    await this.raft.stop();
  }

  /**
   * A graceful leave: out of the Raft configuration first, while the others
   * can still be asked, so the remaining servers' quorum no longer counts this
   * one. The last voter, or one that cannot reach a leader in time, leaves as
   * it is (the leader removes it when the ring reports it left or failed).
   */
  async leave(timeoutMs: number): Promise<void> {
    const s = this.raft.status();
    const voters = s.configuration.servers.filter((x) => x.suffrage === 'voter');
    if (!s.configuration.servers.some((x) => x.id === this.config.memberId) || voters.length <= 1) return;
    // Between our removal committing and our gossip leave arriving, the
    // leader would otherwise see an alive server outside the configuration
    // and add it back.
    this.#leaving = true;
    this.#advertise();
    let timer: Timer | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = this.deps.clock.setTimer(timeoutMs, resolve);
    });
    try {
      await Promise.race([this.backend.removeServer(this.config.memberId), deadline]);
      this.deps.logger.info('Left the Raft configuration');
    } catch (err) {
      this.deps.logger.warn(`could not leave the Raft configuration: ${messageOf(err)}`);
    } finally {
      timer?.cancel();
    }
  }

  status(): RaftStatus {
    return this.raft.status();
  }

  /** Whether this server holds Raft state (a configuration); a new one holds none until bootstrap or join. */
  get hasState(): boolean {
    return this.raft.status().configuration.servers.length > 0;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.deps.clock.setTimer(RECONCILE_INTERVAL_MS, () => {
      void this.#tick().finally(() => this.#schedule());
    });
  }

  async #tick(): Promise<void> {
    try {
      this.#advertise();
      if (!this.hasState) await this.#maybeBootstrap();
      else if (this.raft.isLeader) {
        await this.#reconcile();
        await this.#reapTombstones();
      } else {
        this.#tombstones.reset();
      }
    } catch (err) {
      this.deps.logger.warn(`raft membership: ${messageOf(err)}`);
    }
    this.#followLeadership();
    this.#reconcileSerfHealth();
  }

  /** The session TTL timers run on the leader only: rebuilt from the state when this server wins, dropped when it loses. */
  #followLeadership(): void {
    this.sessions.setLeading(!this.#stopped && this.raft.isLeader, () => this.machine.state.sessions.list());
  }

  #reconcileSerfHealth(): void {
    if (this.#stopped || !this.raft.isLeader) return;
    this.serfHealth.reconcile().catch((err: unknown) => this.deps.logger.warn(`serfHealth: ${messageOf(err)}`));
  }

  #advertise(): void {
    const b = this.deps.butterfly;
    const raftTag = this.#leaving ? RAFT_TAG_LEAVING : this.hasState ? 'member' : 'pending';
    const expect = this.config.bootstrapExpect === undefined ? undefined : String(this.config.bootstrapExpect);
    const tags = { ...b.self.tags };
    if (tags[TAG_RAFT] === raftTag && tags[TAG_EXPECT] === expect) return;
    tags[TAG_RAFT] = raftTag;
    if (expect === undefined) delete tags[TAG_EXPECT];
    else tags[TAG_EXPECT] = expect;
    b.setTags(tags);
  }

  #servers(): Member[] {
    return this.deps.butterfly
      .members()
      .filter((m) => m.tags[TAG_ROLE] === 'consul' && m.tags.dc === this.config.datacenter);
  }

  #addressOf(m: Member): string {
    return m.address.includes(':') ? `[${m.address}]:${m.gossipPort}` : `${m.address}:${m.gossipPort}`;
  }

  /**
   * Bootstraps once `expect` alive servers that all hold no Raft state see
   * each other. Every one of them computes the same configuration (all of
   * them, sorted), so they agree without talking. A server that sees any
   * server already holding state never bootstraps: it waits to be added.
   */
  async #maybeBootstrap(): Promise<void> {
    const expect = this.config.bootstrapExpect;
    if (expect === undefined) return;
    const servers = this.#servers().filter((m) => m.state === 'alive' && m.tags[TAG_RAFT] !== RAFT_TAG_LEAVING);
    if (servers.some((m) => m.tags[TAG_RAFT] === 'member')) return;
    const mismatch = servers.find((m) => m.tags[TAG_EXPECT] !== undefined && m.tags[TAG_EXPECT] !== String(expect));
    if (mismatch !== undefined) {
      this.deps.logger.error(`server ${mismatch.name} expects ${mismatch.tags[TAG_EXPECT]} servers, this one ${expect}: not bootstrapping`);
      return;
    }
    if (servers.length < expect) return;
    const configuration: Configuration = {
      servers: servers
        .map((m) => ({ id: m.id, address: m.id === this.config.memberId ? this.config.address : this.#addressOf(m), suffrage: 'voter' as const }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
    };
    this.deps.logger.info({ servers: configuration.servers.map((s) => s.address) }, `Found ${servers.length} servers; bootstrapping the Raft cluster`);
    try {
      await this.raft.bootstrap(configuration);
    } catch (err) {
      if (!isChorusError(err, ErrorCode.Conflict)) throw err;
    }
    this.#advertise();
  }

  async #reapTombstones(): Promise<void> {
    const upTo = this.#tombstones.due(this.deps.clock.now(), this.machine.state.lastIndex);
    if (upTo === undefined || this.machine.state.kv.tombstoneCount === 0) return;
    const reaped = await this.backend.write({ type: 'kv.reapTombstones', upTo });
    this.#tombstones.reaped(upTo);
    if (reaped > 0) this.deps.logger.debug(`reaped ${reaped} KV tombstones up to index ${upTo}`);
  }

  /** On the leader: one configuration change per tick, to follow the ring. */
  async #reconcile(): Promise<void> {
    if (this.#reconciling) return;
    this.#reconciling = true;
    try {
      const now = this.deps.clock.now();
      const inConfig = new Map(this.raft.status().configuration.servers.map((s) => [s.id, s]));
      const ring = new Map(this.#servers().map((m) => [m.id, m]));
      for (const m of ring.values()) {
        if (m.state === 'alive' && !inConfig.has(m.id) && m.tags[TAG_RAFT] !== RAFT_TAG_LEAVING) {
          this.deps.logger.info(`Adding server ${m.name} (${this.#addressOf(m)}) to the Raft configuration`);
          await this.raft.addServer(m.id, this.#addressOf(m));
          return;
        }
      }
      for (const s of inConfig.values()) {
        if (s.id === this.config.memberId) continue;
        const m = ring.get(s.id);
        const gone = m !== undefined && (m.state === 'left' || m.state === 'departed');
        if (m?.state === 'failed') {
          if (!this.#failedSince.has(s.id)) this.#failedSince.set(s.id, now);
        } else {
          this.#failedSince.delete(s.id);
        }
        const deadTooLong = now - (this.#failedSince.get(s.id) ?? now) >= (this.config.deadServerRemovalMs ?? DEAD_SERVER_REMOVAL_MS);
        if (gone || deadTooLong) {
          this.deps.logger.info(`Removing server ${m?.name ?? s.id} from the Raft configuration (${gone ? m!.state : 'failed too long'})`);
          await this.raft.removeServer(s.id);
          this.#failedSince.delete(s.id);
          return;
        }
      }
    } finally {
      this.#reconciling = false;
    }
  }
}
