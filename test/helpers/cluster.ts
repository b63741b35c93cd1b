import { join } from 'node:path';
import type { Test } from 'tap';
import { freePort, runChorus, type RunningProcess } from './proc.js';

export interface ClusterPorts { http: number; gossip: number; ctl: number }

/** One node of a loopback cluster: node i on 127.0.0.i, every node on the same ports. */
export class LoopbackNode {
  proc: RunningProcess | undefined;
  constructor(
    readonly i: number,
    readonly dir: string,
    readonly ports: ClusterPorts,
    readonly extra: string[] = [],
    readonly env: Record<string, string> = {},
  ) {}

  get host(): string { return `127.0.0.${this.i}`; }
  get url(): string { return `http://${this.host}:${this.ports.http}`; }
  get gossipAddress(): string { return `${this.host}:${this.ports.gossip}`; }
  get dataDir(): string { return join(this.dir, `node${this.i}`); }
  get running(): boolean { return this.proc !== undefined && this.proc.child.exitCode === null && this.proc.child.signalCode === null; }

  start(): RunningProcess {
    const peer = this.i === 1 ? ['--peer', `127.0.0.2:${this.ports.gossip}`] : ['--peer', `127.0.0.1:${this.ports.gossip}`];
    this.proc = runChorus([
      'sup', 'run', '--node-name', `node${this.i}`, '--data-dir', this.dataDir,
      '--listen-http', `${this.host}:${this.ports.http}`, '--listen-gossip', this.gossipAddress,
      '--listen-ctl', `${this.host}:${this.ports.ctl}`, '--log-level', 'warn', ...peer, ...this.extra,
    ], this.env);
    return this.proc;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.proc!.child.kill(signal);
    await this.proc!.exited;
  }
}

/** N nodes sharing a data directory root and ports; killed when the test ends. */
export async function loopbackCluster(t: Test, n: number, extra: (i: number) => string[] = () => [], env: Record<string, string> = {}): Promise<LoopbackNode[]> {
  const dir = t.testdir({});
  const ports = { http: await freePort(), gossip: await freePort(), ctl: await freePort() };
  const nodes = Array.from({ length: n }, (_, k) => new LoopbackNode(k + 1, dir, ports, extra(k + 1), env));
  t.teardown(async () => { for (const node of nodes) await node.kill(); });
  return nodes;
}

/** The running node that the running nodes name as Raft leader, if any answers. */
export async function leaderOf(nodes: LoopbackNode[]): Promise<LoopbackNode | undefined> {
  for (const n of nodes.filter((x) => x.running)) {
    try {
      const leader = (await (await fetch(`${n.url}/v1/status/leader`)).json()) as string;
      const found = nodes.find((x) => x.gossipAddress === leader);
      if (found?.running) return found;
    } catch {
      // not up yet
    }
  }
  return undefined;
}
