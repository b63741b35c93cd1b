import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * The CLI as tsc compiles it. Tests run this one rather than the bundle users
 * run, so that coverage of their child processes maps onto dist/lib.
 */
export const CHORUS_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'chorus.js');
/** The bundle users run (`npm run build` makes it with scripts/bundle.mjs). */
export const CHORUS_BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'chorus', 'chorus.js');

/** A TCP port that was free a moment ago on `host`. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

export interface RunningProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line matching `pattern`, or rejects after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
}

/** Runs `chorus ARGS` (the script `bin`) with the given environment added to this one's. */
export function runChorus(args: string[], env: Record<string, string | undefined> = {}, bin = CHORUS_BIN): RunningProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      stdout.push(line);
      for (const w of waiters.slice()) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  let errPartial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (errPartial + chunk).split('\n');
    errPartial = parts.pop()!;
    stderr.push(...parts);
  });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLine(pattern, timeoutMs = 10_000) {
      const existing = stdout.find((l) => pattern.test(l));
      if (existing !== undefined) return Promise.resolve(existing);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout: ${stdout.join('\n')} stderr: ${stderr.join('\n')}`)), timeoutMs);
        const waiter = { pattern, resolve: (line: string) => { clearTimeout(timer); resolve(line); } };
        waiters.push(waiter);
        void exited.then(() => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer);
            reject(new Error(`process exited before a line matching ${pattern}; stdout: ${stdout.join('\n')} stderr: ${stderr.join('\n')}`));
          }
        });
      });
    },
  };
}

/** Runs `chorus ARGS` to completion. */
export async function chorus(args: string[], env: Record<string, string | undefined> = {}, bin = CHORUS_BIN): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = runChorus(args, env, bin);
  const code = await p.exited;
  // Let the last buffered output arrive.
  await new Promise((r) => setImmediate(r));
  return { code, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n') };
}

export interface NodePorts {
  http: number;
  gossip: number;
  ctl: number;
}

/** Three distinct free ports: all three are held open until each is known, or the kernel may hand out one port twice. */
export async function freeNodePorts(): Promise<NodePorts> {
  const servers = [createServer(), createServer(), createServer()];
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const [http, gossip, ctl] = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }) as [number, number, number];
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return { http, gossip, ctl };
}

export function supRunArgs(dataDir: string, ports: NodePorts, extra: string[] = []): string[] {
  return [
    'sup', 'run', '--data-dir', dataDir,
    '--listen-http', `127.0.0.1:${ports.http}`,
    '--listen-gossip', `127.0.0.1:${ports.gossip}`,
    '--listen-ctl', `127.0.0.1:${ports.ctl}`,
    ...extra,
  ];
}

/** Polls `fn` until it returns a value or the deadline passes (no fixed sleeps). */
/**
 * Resolves once the node at `url` has fully started. Its HTTP port opens
 * with gossip and answers /v1/agent/members from then on, so a member list
 * does not say the rest is loaded; every other route answers 503 until it is.
 */
export async function fullyStarted(url: string, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => ((await fetch(`${url}/v1/agent/self`)).status !== 503 ? true : undefined), timeoutMs);
}

export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
