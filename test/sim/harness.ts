import { SeededRandom, VirtualClock, silentLogger } from '../../lib/core/index.js';
import { SimNetwork, type SimEndpoint, type SimNetworkOptions } from '../../lib/net/sim-network.js';
import { Butterfly, type ButterflyOptions, type Member } from '../../lib/butterfly/index.js';

/** The seed of a run: CHORUS_SEED when set (to replay a failure), else `fallback`. */
export function seedFor(fallback: number): number {
  const env = process.env.CHORUS_SEED;
  return env !== undefined && env !== '' ? Number(env) >>> 0 : fallback;
}

export interface SimMember {
  index: number;
  id: string;
  address: string;
  endpoint: SimEndpoint;
  node: Butterfly;
}

export interface ClusterOptions {
  seed: number;
  size: number;
  net?: SimNetworkOptions;
  butterfly?: ButterflyOptions;
  /** The clock to run on (default: a VirtualClock starting at 0). */
  clock?: VirtualClock;
}

export function addressOf(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9638`;
}

/** Many members on one simulated network; the first is everyone's seed. */
export class SimCluster {
  readonly clock: VirtualClock;
  readonly random: SeededRandom;
  readonly net: SimNetwork;
  readonly members: SimMember[] = [];
  readonly options: ClusterOptions;
  #spawned = 0;
  /** Called with each member as it is spawned, before it starts. */
  readonly onSpawn: ((m: SimMember) => void)[] = [];

  constructor(options: ClusterOptions) {
    this.options = options;
    this.clock = options.clock ?? new VirtualClock();
    this.random = new SeededRandom(options.seed);
    this.net = new SimNetwork({ clock: this.clock, random: this.random.fork() }, options.net ?? {});
  }

  /** Creates and starts a member; it joins the first member unless it is the first. */
  async spawn(extra: ButterflyOptions = {}, index = this.#spawned++): Promise<SimMember> {
    const address = addressOf(index + 1);
    const endpoint = this.net.attach(address);
    const id = `member-${index}`;
    const seeds = this.members.length === 0 && index === 0 ? [] : [addressOf(1)];
    const node = new Butterfly(
      { clock: this.clock, random: this.random.fork(), packets: endpoint.packets, streams: endpoint.streams, logger: silentLogger() },
      { id, name: `node${index}` },
      { seeds, ...this.options.butterfly, ...extra },
    );
    const member: SimMember = { index, id, address, endpoint, node };
    for (const fn of this.onSpawn) fn(member);
    await node.start();
    this.members.push(member);
    return member;
  }

  /** Starts `count` members, one every `staggerMs` of virtual time (nodes of a real cluster do not start in the same millisecond). */
  async spawnAll(count = this.options.size, staggerMs = 20): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.spawn();
      if (staggerMs > 0) await this.net.runFor(staggerMs);
    }
  }

  live(): SimMember[] {
    return this.members.filter((m) => m.node.running && !this.net.isCrashed(m.address));
  }

  /** True when every live member sees every other live member alive. */
  converged(): boolean {
    const live = this.live();
    for (const m of live) {
      if (m.node.countIn('alive') !== live.length) return false;
    }
    return true;
  }

  stateOf(viewer: SimMember, subject: SimMember): Member['state'] | undefined {
    return viewer.node.member(subject.id)?.state;
  }

  async stopAll(): Promise<void> {
    for (const m of this.members) {
      await m.node.stop();
      await m.endpoint.packets.close();
      await m.endpoint.streams.close();
    }
  }
}

/** Records every membership event of every member, as "time viewer event subject" lines. */
export function recordEvents(cluster: SimCluster): string[] {
  const log: string[] = [];
  const subscribe = (m: SimMember): void => {
    for (const event of ['joined', 'alive', 'updated', 'suspect', 'failed', 'left', 'departed', 'reaped'] as const) {
      m.node.on(event, (subject) => log.push(`${cluster.clock.now()} ${m.id} ${event} ${subject.id}@${subject.incarnation}`));
    }
  };
  cluster.members.forEach(subscribe);
  cluster.onSpawn.push(subscribe);
  return log;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/**
 * An upper bound on the time from a crash until every live member marks the
 * member failed, from the protocol's formulas:
 *   first probe  ≤ probeInterval × ln(10⁶)  (each of n−1 members probes it with chance 1/(n−1) per period; missed with p < 10⁻⁶)
 *   + one probe period to fail the probe (direct + indirect)
 *   + the Lifeguard maximum suspicion timeout (suspicionMaxTimeoutMult × suspicionMult × max(1, log10 n) × probeInterval)
 *   + dissemination of the verdict (retransmit limit × gossip interval)
 */
export function detectionBound(n: number, o: { probeIntervalMs: number; suspicionMult: number; suspicionMaxTimeoutMult: number; retransmitMult: number; gossipIntervalMs: number; lifeguard: boolean }): { bound: number; minSuspicion: number; maxSuspicion: number } {
  const minSuspicion = o.suspicionMult * Math.max(1, Math.log10(n)) * o.probeIntervalMs;
  const k = o.suspicionMult - 2;
  const maxSuspicion = o.lifeguard && n - 2 >= k ? o.suspicionMaxTimeoutMult * minSuspicion : minSuspicion;
  const limit = o.retransmitMult * Math.ceil(Math.log10(n + 1));
  const bound = o.probeIntervalMs * Math.ceil(Math.log(1e6)) + o.probeIntervalMs + maxSuspicion + limit * o.gossipIntervalMs;
  return { bound, minSuspicion, maxSuspicion };
}
