import { SeededRandom, VirtualClock, silentLogger } from '../../../lib/core/index.js';
import { SimNetwork, type SimEndpoint, type SimNetworkOptions } from '../../../lib/net/sim-network.js';
import { MemoryDisk, RaftNode, type Configuration, type RaftOptions } from '../../../lib/raft/index.js';
import { FaultyStreams } from './faulty-streams.js';
import { PausableClock } from './pausable-clock.js';
import { RegisterMachine } from './register-machine.js';
import { SafetyChecker } from './safety.js';

/** Timings scaled for the simulator: etcd-like ratios, snapshots small enough to happen often. */
export const SIM_RAFT: RaftOptions = {
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
  rpcTimeoutMs: 500,
  snapshotRpcTimeoutMs: 2000,
  snapshotThreshold: 40,
  trailingLogs: 10,
  snapshotChunkBytes: 256,
  maxEntriesPerAppend: 16,
  maxInflightAppends: 4,
  catchUpTimeoutMs: 20_000,
};

export interface SimServer {
  index: number;
  id: string;
  address: string;
  disk: MemoryDisk;
  clock: PausableClock;
  machine: RegisterMachine;
  node: RaftNode;
  streams: FaultyStreams;
  endpoint: SimEndpoint;
  up: boolean;
  /** The node's metrics counters (core.count), without the "raft." prefix; reset by a restart. */
  counters: Map<string, number>;
}

export interface RaftSimOptions {
  seed: number;
  size: number;
  net?: SimNetworkOptions;
  raft?: RaftOptions;
  /** Simulated fsync latency range. Default [1, 5] ms. */
  syncDelayMs?: [number, number];
}

export function serverAddress(i: number): string {
  return `10.1.0.${i + 1}:9638`;
}

/** A Raft cluster on the simulated network, each server with its own simulated disk. */
export class RaftSim {
  readonly clock = new VirtualClock();
  readonly random: SeededRandom;
  readonly net: SimNetwork;
  readonly servers: SimServer[] = [];
  readonly safety: SafetyChecker;
  readonly options: RaftSimOptions;
  streamFaults = { loss: 0, duplicate: 0 };

  constructor(options: RaftSimOptions) {
    this.options = options;
    this.random = new SeededRandom(options.seed);
    this.net = new SimNetwork({ clock: this.clock, random: this.random.fork() }, { minDelayMs: 1, maxDelayMs: 10, ...options.net });
    this.safety = new SafetyChecker(this);
  }

  configuration(count = this.options.size): Configuration {
    return { servers: Array.from({ length: count }, (_, i) => ({ id: `s${i}`, address: serverAddress(i), suffrage: 'voter' as const })) };
  }

  /** Creates and starts `size` servers; with `bootstrap`, each writes the same first configuration. */
  async startAll(bootstrap = true): Promise<void> {
    for (let i = 0; i < this.options.size; i++) {
      const disk = new MemoryDisk({ clock: this.clock, random: this.random.fork(), syncDelayMs: this.options.syncDelayMs ?? [1, 5] });
      await this.#boot(i, disk);
    }
    if (bootstrap) await this.settle(Promise.all(this.servers.map((s) => s.node.bootstrap(this.configuration()))));
  }

  /** Starts one more server with an empty disk (to be added by a configuration change). */
  async addFresh(): Promise<SimServer> {
    const disk = new MemoryDisk({ clock: this.clock, random: this.random.fork(), syncDelayMs: this.options.syncDelayMs ?? [1, 5] });
    return this.#boot(this.servers.length, disk);
  }

  async #boot(i: number, disk: MemoryDisk): Promise<SimServer> {
    const address = serverAddress(i);
    const endpoint = this.net.attach(address);
    const clock = new PausableClock(this.clock);
    const streams = new FaultyStreams(endpoint.streams, this.clock, this.random.fork());
    streams.faults = this.streamFaults;
    const machine = new RegisterMachine();
    const stores = disk.open();
    const id = `s${i}`;
    const counters = new Map<string, number>();
    const metrics = {
      increment: (name: string, by = 1): void => {
        const key = name.replace(/^raft\./, '');
        counters.set(key, (counters.get(key) ?? 0) + by);
      },
    };
    const node = new RaftNode(
      { clock, random: this.random.fork(), transport: streams, logger: silentLogger(), storage: stores, stateMachine: machine, metrics },
      { id, address },
      { ...SIM_RAFT, ...this.options.raft },
    );
    const fresh: SimServer = { index: i, id, address, disk, clock, machine, node, streams, endpoint, up: true, counters };
    // A restart reuses the server's object, so references held by tests stay valid.
    const server = this.servers[i] === undefined ? fresh : Object.assign(this.servers[i]!, fresh);
    this.servers[i] = server;
    this.safety.watch(server);
    await node.start();
    return server;
  }

  /** kill -9: the process and every write not yet synced are gone. */
  async crash(s: SimServer): Promise<void> {
    if (!s.up) return;
    s.up = false;
    s.disk.crash();
    this.net.crash(s.address);
    if (s.clock.paused) s.clock.resume();
    await s.node.stop();
    await s.endpoint.packets.close();
    await s.endpoint.streams.close();
  }

  /** Starts the server again from what its disk kept. */
  async restart(s: SimServer): Promise<void> {
    if (s.up) return;
    await this.#boot(s.index, s.disk);
  }

  pause(s: SimServer): void {
    if (!s.up || s.clock.paused) return;
    s.clock.pause();
    this.net.crash(s.address);
  }

  resume(s: SimServer): void {
    if (!s.clock.paused) return;
    this.net.restart(s.address);
    s.clock.resume();
  }

  live(): SimServer[] {
    return this.servers.filter((s) => s.up && !s.clock.paused);
  }

  /** The leader with the highest term among live servers, if any. */
  leader(): SimServer | undefined {
    let best: SimServer | undefined;
    for (const s of this.live()) {
      const st = s.node.status();
      if (st.role === 'leader' && (best === undefined || st.term > best.node.status().term)) best = s;
    }
    return best;
  }

  async runUntilLeader(maxMs = 20_000): Promise<SimServer | undefined> {
    await this.net.runUntil(() => this.leader() !== undefined, maxMs);
    return this.leader();
  }

  /** Runs `ms` of virtual time in steps, checking the safety properties after each. */
  async run(ms: number, stepMs = 20): Promise<void> {
    const end = this.clock.now() + ms;
    while (this.clock.now() < end) {
      await this.net.runFor(Math.min(stepMs, end - this.clock.now()));
      this.safety.checkStep();
    }
  }

  /**
   * Runs in steps, checking the safety properties after each, until `done()`
   * holds after a step or `maxMs` passes; resolves with whether it held.
   */
  async runUntil(done: () => boolean, maxMs: number, stepMs = 20): Promise<boolean> {
    const end = this.clock.now() + maxMs;
    while (this.clock.now() < end) {
      await this.net.runFor(Math.min(stepMs, end - this.clock.now()));
      this.safety.checkStep();
      if (done()) return true;
    }
    return done();
  }

  /** Runs the simulation until `p` settles (or `maxMs` passes, then rejects); resolves or rejects as `p` does. */
  async settle<T>(p: Promise<T>, maxMs = 60_000): Promise<T> {
    let done = false;
    p.then(() => { done = true; }, () => { done = true; });
    if (!(await this.net.runUntil(() => done, maxMs))) throw new Error(`did not settle within ${maxMs} ms of virtual time`);
    return p;
  }

  async stopAll(): Promise<void> {
    for (const s of this.servers) {
      if (s.clock.paused) s.clock.resume();
      if (s.up) await s.node.stop();
    }
  }
}
