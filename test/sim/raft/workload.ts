import { isChorusError } from '../../../lib/core/index.js';
import type { Operation, RegisterInput, RegisterOutput } from '../../helpers/linearizability.js';
import type { RaftSim, SimServer } from './harness.js';
import { encodeCommand } from './register-machine.js';

export interface WorkloadOptions {
  clients: number;
  keys: number;
  /** A client gives up on an operation after this long; a write given up on has an unknown outcome. */
  timeoutMs: number;
  /** Pause between a client's operations. */
  thinkMs: [number, number];
  /**
   * Probability that an operation goes to a random server instead of the one
   * the client believes leads: clients with a stale or partial view of the
   * cluster, which is how a deposed leader that still believes it leads gets
   * asked for a read (what ReadIndex's quorum confirmation guards against).
   * Default 0.
   */
  wander?: number;
}

/**
 * Clients issuing put, get (ReadIndex) and compare-and-set against whichever
 * server they believe leads, following leader hints. Every operation is
 * recorded with its call and return time for the linearizability check; a
 * refused operation (not the leader, applied: no) is left out, a write whose
 * outcome is unknown is kept with an open end.
 */
export class Workload {
  readonly history: Operation<RegisterInput, RegisterOutput>[] = [];
  readonly #sim: RaftSim;
  readonly #o: WorkloadOptions;
  #running = true;
  #seq = 0;
  counts = { ok: 0, refused: 0, unknown: 0 };

  constructor(sim: RaftSim, options: WorkloadOptions) {
    this.#sim = sim;
    this.#o = options;
  }

  start(): Promise<void[]> {
    return Promise.all(Array.from({ length: this.#o.clients }, (_, c) => this.#client(c)));
  }

  stop(): void {
    this.#running = false;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#sim.clock.setTimer(ms, resolve));
  }

  async #client(client: number): Promise<void> {
    const sim = this.#sim;
    const r = sim.random.fork();
    let target = 0;
    while (this.#running) {
      const [lo, hi] = this.#o.thinkMs;
      await this.#sleep(lo + r.int(hi - lo + 1));
      if (!this.#running) break;
      const wander = (this.#o.wander ?? 0) > 0 && r.next() < this.#o.wander!;
      const server = sim.servers[wander ? r.int(sim.servers.length) : target % sim.servers.length]!;
      const key = `k${r.int(this.#o.keys)}`;
      const roll = r.next();
      let input: RegisterInput;
      if (roll < 0.4) input = { op: 'get', key };
      else if (roll < 0.7) input = { op: 'put', key, value: `c${client}-${this.#seq++}` };
      else {
        // Compare against a value this key may hold: the server's stale view, or a fresh one.
        const from = r.next() < 0.8 ? server.machine.get(key) : null;
        input = { op: 'cas', key, from, to: `c${client}-${this.#seq++}` };
      }
      const hint = await this.#invoke(client, server, input);
      if (hint !== undefined && !wander) {
        const i = sim.servers.findIndex((s) => s.id === hint);
        target = i >= 0 ? i : r.int(sim.servers.length);
      }
    }
  }

  /** Runs one operation; returns a server id to try next when this one did not lead. */
  async #invoke(client: number, server: SimServer, input: RegisterInput): Promise<string | undefined> {
    const sim = this.#sim;
    const call = sim.clock.now();
    if (!server.up) return String(sim.random.int(sim.servers.length)).replace(/^/, 's');
    const node = server.node;
    const op: Promise<RegisterOutput> =
      input.op === 'get'
        ? node.read('consistent', () => server.machine.get(input.key)).then((res) => res.value)
        : node.propose(encodeCommand(input)).then((res) => res as boolean);
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = sim.clock.setTimer(this.#o.timeoutMs, () => resolve('timeout')); });
    try {
      const out = await Promise.race([op, timeout]);
      timer?.cancel();
      if (out === 'timeout') {
        op.catch(() => undefined);
        this.#record(client, input, undefined, call, Infinity);
        return `s${sim.random.int(sim.servers.length)}`;
      }
      this.counts.ok++;
      this.history.push({ client, input, output: input.op === 'put' ? true : out, call, ret: sim.clock.now() });
      return undefined;
    } catch (err) {
      timer?.cancel();
      const details = isChorusError(err) ? err.details : {};
      if (details.applied === 'no') {
        this.counts.refused++;
        return typeof details.leaderId === 'string' ? details.leaderId : `s${sim.random.int(sim.servers.length)}`;
      }
      this.#record(client, input, undefined, call, Infinity);
      return `s${sim.random.int(sim.servers.length)}`;
    }
  }

  #record(client: number, input: RegisterInput, output: RegisterOutput | undefined, call: number, ret: number): void {
    // A read with an unknown outcome constrains nothing.
    if (input.op === 'get') return;
    this.counts.unknown++;
    this.history.push({ client, input, output, call, ret });
  }
}
