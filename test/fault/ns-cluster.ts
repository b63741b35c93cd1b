/**
 * Three `chorus` servers, one per node namespace of a FaultNetwork, driven
 * from the hub namespace: start, SIGKILL, SIGSTOP/SIGCONT, HTTP calls with
 * timeouts that tell a refused connection from a lost answer, and leader
 * queries. Shared by the fault runners, which run inside the hub.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { CHORUS_BIN } from '../helpers/proc.js';
import { FaultNetwork } from '../helpers/netns.js';

export const N = 3;
export const HTTP_PORT = 9631;
export const GOSSIP_PORT = 9638;
export const CTL_PORT = 9632;
/** Longer than a server's own wait for a leader (5 s) plus forwarding, so most operations end with an answer. */
export const OP_TIMEOUT_MS = 8_000;

let clusterDir = '';
let clusterPrefix = '';
/** Where the servers keep their data and logs, and the name prefix of the network's namespaces. */
export function configureCluster(dir: string, prefix: string): void {
  clusterDir = dir;
  clusterPrefix = prefix;
}

export const t0 = process.hrtime.bigint();
export const now = (): number => Number((process.hrtime.bigint() - t0) / 1000n);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const log = (msg: string): void => {
  process.stderr.write(`[${(now() / 1e6).toFixed(3)}s] ${msg}\n`);
};

// ---- servers ----

export class Server {
  proc: ChildProcess | undefined;
  exited: Promise<void> = Promise.resolve();
  paused = false;
  starts = 0;
  constructor(readonly i: number) {}

  get address(): string { return FaultNetwork.address(this.i); }
  get gossip(): string { return `${this.address}:${GOSSIP_PORT}`; }
  get running(): boolean { return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null; }
  get logFile(): string { return join(clusterDir, `n${this.i}.log`); }

  start(): void {
    this.starts++;
    const fd = openSync(this.logFile, 'a');
    writeSync(fd, `----- start ${this.starts} of node ${this.i} at ${(now() / 1e6).toFixed(3)}s -----\n`);
    const peer = this.i === 1 ? FaultNetwork.address(2) : FaultNetwork.address(1);
    this.proc = spawn('ip', [
      'netns', 'exec', `${clusterPrefix}-n${this.i}`, process.execPath, CHORUS_BIN,
      'sup', 'run', '--server', '--bootstrap-expect', String(N), '--node-name', `s${this.i}`,
      '--data-dir', join(clusterDir, `n${this.i}`),
      '--listen-http', `${this.address}:${HTTP_PORT}`, '--listen-gossip', this.gossip, '--listen-ctl', `${this.address}:${CTL_PORT}`,
      '--peer', `${peer}:${GOSSIP_PORT}`, '--log-level', 'info',
    ], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const child = this.proc;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.paused = false;
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.proc!.kill('SIGKILL');
    await this.exited;
  }

  pause(): void {
    if (this.running) {
      this.proc!.kill('SIGSTOP');
      this.paused = true;
    }
  }

  resume(): void {
    if (this.running && this.paused) this.proc!.kill('SIGCONT');
    this.paused = false;
  }
}

export const servers = Array.from({ length: N }, (_, k) => new Server(k + 1));

// ---- HTTP ----

export const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export interface Reply { status: number; body: string; index: number | undefined; headers: Record<string, string | string[] | undefined> }

export class RequestError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

export function call(node: number, method: 'GET' | 'PUT', path: string, body?: string, timeoutMs = OP_TIMEOUT_MS): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: FaultNetwork.address(node), port: HTTP_PORT, method, path, agent, headers: body === undefined ? {} : { 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const index = res.headers['x-consul-index'];
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), index: index === undefined ? undefined : Number(index), headers: res.headers });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(new RequestError((err as NodeJS.ErrnoException).code ?? 'ERESPONSE', err.message));
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new RequestError('TIMEOUT', `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof RequestError ? err : new RequestError((err as NodeJS.ErrnoException).code ?? 'ERROR', err.message));
    });
    req.end(body);
  });
}

export async function leaderSeen(): Promise<number | undefined> {
  const votes = new Map<number, number>();
  await Promise.all(servers.filter((s) => s.running && !s.paused).map(async (s) => {
    try {
      const r = await call(s.i, 'GET', '/v1/status/leader', undefined, 1_000);
      const node = r.status === 200 ? FaultNetwork.nodeOf(JSON.parse(r.body) as string) : undefined;
      if (node !== undefined) votes.set(node, (votes.get(node) ?? 0) + 1);
    } catch {
      // unreachable right now
    }
  }));
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** Until every server runs and all of them name the same leader, which takes a write. */
export async function waitForHealthyCluster(timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answers = await Promise.all(servers.map(async (s) => {
      try {
        const r = await call(s.i, 'GET', '/v1/status/leader', undefined, 1_000);
        return r.status === 200 ? (JSON.parse(r.body) as string) : '';
      } catch {
        return '';
      }
    }));
    if (answers[0] !== '' && answers.every((a) => a === answers[0])) {
      try {
        const w = await call(FaultNetwork.nodeOf(answers[0]!)!, 'PUT', '/v1/kv/fault/ready', 'yes', 3_000);
        if (w.status === 200) return FaultNetwork.nodeOf(answers[0]!)!;
      } catch {
        // not yet
      }
    }
    await sleep(200);
  }
  throw new Error(`the cluster did not become healthy within ${timeoutMs} ms`);
}
