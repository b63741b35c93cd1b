import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Private networks for fault tests, made of Linux network namespaces.
 *
 * Why not several loopback addresses in one namespace: a TCP connection that
 * does not bind its source takes the source address the route names, and the
 * loopback route names 127.0.0.1 whatever the destination (`ip route get
 * 127.0.0.2` says `src 127.0.0.1`). Chorus's cluster streams (Raft RPCs,
 * forwarded requests) connect that way, so every server's stream would come
 * from 127.0.0.1 and an iptables rule per pair of addresses would cut the
 * wrong streams. Here every server has a namespace of its own with one
 * address, so everything it sends carries that address:
 *
 *   hub namespace (clients, router, iptables)    node namespace i
 *     h<i>  10.231.<i>.1/24  <--- veth pair --->   eth0 10.231.<i>.2/24, default via 10.231.<i>.1
 *
 * Server-to-server traffic is forwarded by the hub, where a DROP rule in the
 * FORWARD chain per direction cuts one link; clients live in the hub and are
 * never cut off by a partition between servers.
 */
export class FaultNetwork {
  readonly hub: string;
  readonly nodes: string[];
  #created: string[] = [];

  constructor(readonly prefix: string, readonly size: number) {
    this.hub = `${prefix}-hub`;
    this.nodes = Array.from({ length: size }, (_, k) => `${prefix}-n${k + 1}`);
  }

  /** Node i's address (1-based). */
  static address(i: number): string {
    return `10.231.${i}.2`;
  }

  /** The node (1-based) that owns `address` ("10.231.i.2" or "10.231.i.2:port"), or undefined. */
  static nodeOf(address: string): number | undefined {
    const m = /^10\.231\.(\d+)\.2(?::\d+)?$/.exec(address);
    return m ? Number(m[1]) : undefined;
  }

  create(): void {
    for (const ns of [this.hub, ...this.nodes]) {
      ip(['netns', 'add', ns]);
      this.#created.push(ns);
      ip(['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    }
    inNs(this.hub, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    this.nodes.forEach((ns, k) => {
      const i = k + 1;
      inNs(this.hub, 'ip', ['link', 'add', `h${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      inNs(this.hub, 'ip', ['addr', 'add', `10.231.${i}.1/24`, 'dev', `h${i}`]);
      inNs(this.hub, 'ip', ['link', 'set', `h${i}`, 'up']);
      inNs(ns, 'ip', ['addr', 'add', `${FaultNetwork.address(i)}/24`, 'dev', 'eth0']);
      inNs(ns, 'ip', ['link', 'set', 'eth0', 'up']);
      inNs(ns, 'ip', ['route', 'add', 'default', 'via', `10.231.${i}.1`]);
    });
  }

  /** Kills every process left in the namespaces (all of them started by this test) and deletes them. */
  destroy(): void {
    for (const ns of this.#created.slice().reverse()) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split(/\s+/).filter(Boolean) ?? [];
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
    this.#created = [];
  }
}

/**
 * Namespaces named `<base>-<pid>-...` whose test process is gone (killed
 * before its cleanup could run): their processes are killed and they are deleted.
 */
export function sweepAbandoned(base: string): string[] {
  const names = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout?.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean) ?? [];
  const swept: string[] = [];
  for (const ns of names) {
    const m = new RegExp(`^${base}-(\\d+)-`).exec(ns);
    if (m === null || isAlive(Number(m[1]))) continue;
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split(/\s+/).filter(Boolean) ?? [];
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    spawnSync('ip', ['netns', 'del', ns]);
    swept.push(ns);
  }
  return swept;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Cuts and heals links between nodes; runs inside the hub namespace (the fault runner lives there). */
export class LinkCutter {
  readonly cut = new Set<string>();

  /** Drops every packet between nodes a and b, both ways. */
  async cutLink(a: number, b: number): Promise<void> {
    const [x, y] = a < b ? [a, b] : [b, a];
    if (this.cut.has(`${x}-${y}`)) return;
    this.cut.add(`${x}-${y}`);
    for (const [s, d] of [[x, y], [y, x]] as const) {
      await run('iptables', ['-w', '-A', 'FORWARD', '-s', FaultNetwork.address(s), '-d', FaultNetwork.address(d), '-j', 'DROP']);
    }
  }

  async healAll(): Promise<void> {
    await run('iptables', ['-w', '-F', 'FORWARD']);
    this.cut.clear();
  }

  /** Packets dropped so far by the rules in place (a partition that drops nothing tested nothing). */
  async droppedPackets(): Promise<number> {
    const { stdout } = await run('iptables', ['-w', '-L', 'FORWARD', '-n', '-v', '-x']);
    return stdout.split('\n').filter((l) => l.includes('DROP')).reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
  }
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function inNs(ns: string, cmd: string, args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Why fault tests cannot run here, or undefined when they can: they need root,
 * `ip netns`, veth pairs and iptables (installed from Debian when missing).
 */
export function faultSupport(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces and iptables rules (run as root)';
  if (!has('ip')) return 'the `ip` command (iproute2) is missing';
  if (!has('iptables')) {
    const install = (): boolean => spawnSync('apt-get', ['install', '-y', '-q', 'iptables'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    if (has('apt-get') && !install()) {
      spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
      install();
    }
    if (!has('iptables')) return 'iptables is missing and `apt-get install -y iptables` did not install it';
  }
  const probe = `chorus-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  try {
    const veth = spawnSync('ip', ['netns', 'exec', probe, 'ip', 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'b0'], { encoding: 'utf8' });
    if (veth.status !== 0) return `cannot create a veth pair: ${veth.stderr.trim()}`;
    const ipt = spawnSync('ip', ['netns', 'exec', probe, 'iptables', '-w', '-A', 'FORWARD', '-s', '10.0.0.1', '-j', 'DROP'], { encoding: 'utf8' });
    if (ipt.status !== 0) return `iptables does not work inside a network namespace: ${ipt.stderr.trim()}`;
  } finally {
    spawnSync('ip', ['netns', 'del', probe]);
  }
  return undefined;
}
