import { spawn } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { runGrpcHealth } from './grpc-health.js';
import { goDialError, splitHostPort } from './go-net.js';
import { CHECK_STOPPED, settleOnce } from './settle.js';
import type { CheckExecutors, HttpCheckRequest, HttpCheckResult, ScriptResult, TcpCheckResult } from './types.js';
import { runUdp } from './udp.js';

/** Go's http.Client gives up after this many redirects. */
const MAX_REDIRECTS = 10;

/** Keeps the last `max` bytes written (Consul's circbuf). */
class TailBuffer {
  #chunks: Buffer[] = [];
  #kept = 0;
  total = 0;

  constructor(readonly max: number) {}

  write(chunk: Buffer): void {
    this.total += chunk.length;
    this.#chunks.push(chunk);
    this.#kept += chunk.length;
    while (this.#kept - this.#chunks[0]!.length >= this.max) this.#kept -= this.#chunks.shift()!.length;
  }

  toString(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString();
  }
}

function hostPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/** The real side effects: child processes, HTTP(S) requests, TCP connects, UDP datagrams and gRPC calls, with timeouts on `clock`. */
export function systemExecutors(clock: Clock): CheckExecutors {
  return {
    script: (args, o) => runScript(clock, args, o),
    http: (req) => runHttp(clock, req),
    tcp: (address, o) => runTcp(clock, address, o),
    udp: (address, o) => runUdp(clock, address, o),
    grpc: (req) => runGrpcHealth(clock, req),
  };
}

function runScript(clock: Clock, args: string[], o: { timeoutMs: number; maxOutput: number; signal: AbortSignal }): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const out = new TailBuffer(o.maxOutput);
    let timedOut = false;
    let child;
    try {
      // Its own process group, so a timeout kills whatever the script started too.
      child = spawn(args[0]!, args.slice(1), { shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ exitCode: null, output: '', totalBytes: 0, timedOut: false, startError: (err as Error).message });
      return;
    }
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = clock.setTimer(o.timeoutMs, () => {
      timedOut = true;
      kill();
    });
    const onAbort = () => kill();
    o.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (c: Buffer) => out.write(c));
    child.stderr!.on('data', (c: Buffer) => out.write(c));
    let startError: string | undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      startError = err.code === 'ENOENT' ? `exec: "${args[0]}": executable file not found in $PATH` : err.message;
    });
    child.on('close', (code) => {
      timer.cancel();
      o.signal.removeEventListener('abort', onAbort);
      resolve({
        exitCode: code,
        output: out.toString(),
        totalBytes: out.total,
        timedOut,
        ...(startError !== undefined ? { startError } : {}),
      });
    });
  });
}

function runHttp(clock: Clock, req: HttpCheckRequest): Promise<HttpCheckResult> {
  const op = req.method.charAt(0).toUpperCase() + req.method.slice(1).toLowerCase();
  return new Promise((resolve) => {
    const controller = new AbortController();
    const finish = settleOnce<HttpCheckResult>(clock, resolve, {
      timeoutMs: req.timeoutMs,
      signal: req.signal,
      onTimeout: () => ({ ok: false, error: `${op} "${req.url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }),
      cleanup: () => controller.abort(),
    }, CHECK_STOPPED);
    const attempt = (target: string, redirects: number): void => {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        finish({ ok: false, error: `parse "${target}": invalid URI for request` });
        return;
      }
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v.length > 0) headers[k] = v;
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const r = send(url, {
        method: req.method,
        headers,
        signal: controller.signal,
        ...(url.protocol === 'https:' ? { rejectUnauthorized: !req.tlsSkipVerify, ...(req.tlsServerName ? { servername: req.tlsServerName } : {}) } : {}),
      }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (!req.disableRedirects && status >= 300 && status < 400 && res.headers.location !== undefined && redirects < MAX_REDIRECTS) {
          res.resume();
          attempt(new URL(res.headers.location, url).toString(), redirects + 1);
          return;
        }
        const body = new TailBuffer(req.maxOutput);
        res.on('data', (c: Buffer) => body.write(c));
        res.on('end', () => finish({ ok: true, statusCode: status, statusText: res.statusMessage ?? '', body: body.toString() }));
        res.on('error', () => finish({ ok: true, statusCode: status, statusText: res.statusMessage ?? '', body: body.toString() }));
      });
      r.on('error', (err: NodeJS.ErrnoException) => {
        const detail = err.code?.startsWith('E') && err.syscall === 'connect' || err.code === 'ENOTFOUND' ? goDialError(hostPort(url), err) : err.message;
        finish({ ok: false, error: `${op} "${target}": ${detail}` });
      });
      r.end(req.body === '' ? undefined : req.body);
    };
    attempt(req.url, 0);
  });
}

function runTcp(clock: Clock, address: string, o: { timeoutMs: number; signal: AbortSignal }): Promise<TcpCheckResult> {
  return new Promise((resolve) => {
    const target = splitHostPort(address);
    if (target === undefined) {
      resolve({ ok: false, error: `dial tcp: address ${address}: missing port in address` });
      return;
    }
    const socket = connect(target);
    const finish = settleOnce<TcpCheckResult>(clock, resolve, {
      ...o,
      onTimeout: () => ({ ok: false, error: `dial tcp ${address}: i/o timeout` }),
      cleanup: () => socket.destroy(),
    }, CHECK_STOPPED);
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: goDialError(address, err) }));
  });
}
