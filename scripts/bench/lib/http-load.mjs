// A small closed-loop HTTP/1.1 load generator: C connections, each with one
// request outstanding at a time on a keep-alive socket (no pipelining), the
// same request repeated. Latency is measured per request from the write of the
// request to the last byte of the response, in microseconds, and every sample
// is kept (no histogram rounding). Responses are checked by a callback, so a
// 200 that says `false` or carries an error counts as a failure.
import net from 'node:net';

class Samples {
  constructor() { this.a = new Float64Array(1 << 16); this.n = 0; }
  push(v) {
    if (this.n === this.a.length) { const b = new Float64Array(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
  sorted() { return this.a.slice(0, this.n).sort(); }
}

/** The latency figures of sorted samples (ms). */
function summarize(sorted) {
  let sum = 0; for (let k = 0; k < sorted.length; k++) sum += sorted[k];
  return {
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: pct(sorted, 50), p90: pct(sorted, 90), p99: pct(sorted, 99), p999: pct(sorted, 99.9), max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

function buildRequest(target, { method, path, headers = {}, body }) {
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nConnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (body) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/** Parses one HTTP/1.1 response from buf; returns undefined when incomplete, else { status, body, end, close }. */
function parseResponse(buf) {
  const he = buf.indexOf('\r\n\r\n');
  if (he < 0) return undefined;
  const head = buf.toString('latin1', 0, he);
  const lines = head.split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  let cl = -1; let chunked = false; let close = false;
  for (let k = 1; k < lines.length; k++) {
    const c = lines[k].indexOf(':');
    const name = lines[k].slice(0, c).trim().toLowerCase();
    const value = lines[k].slice(c + 1).trim().toLowerCase();
    if (name === 'content-length') cl = Number(value);
    else if (name === 'transfer-encoding' && value.includes('chunked')) chunked = true;
    else if (name === 'connection' && value === 'close') close = true;
  }
  const start = he + 4;
  if (chunked) {
    const parts = [];
    let pos = start;
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol < 0) return undefined;
      const size = parseInt(buf.toString('latin1', pos, eol), 16);
      if (!Number.isFinite(size)) throw new Error('bad chunk size');
      if (size === 0) {
        const end = buf.indexOf('\r\n', eol + 2); // no trailers expected: an empty line ends the body
        if (end < 0) return undefined;
        return { status, body: Buffer.concat(parts).toString('utf8'), end: end + 2, close };
      }
      if (buf.length < eol + 2 + size + 2) return undefined;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
  }
  if (cl < 0) cl = 0; // neither length nor chunked: no body (204/304 or a server we do not expect)
  if (buf.length < start + cl) return undefined;
  return { status, body: buf.toString('utf8', start, start + cl), end: start + cl, close };
}

/**
 * One result out of several runs of the same load (rounds of one figure): the
 * samples pooled, the counts and CPU seconds summed, the rate over the summed
 * windows. Failure examples keep the first five.
 */
export function mergeLoads(runs) {
  if (runs.length === 1) return runs[0];
  const n = runs.reduce((s, r) => s + r.samples.length, 0);
  const all = new Float64Array(n);
  let at = 0;
  for (const r of runs) { all.set(r.samples, at); at += r.samples.length; }
  all.sort();
  const failures = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
  const sum = (f) => runs.reduce((s, r) => s + f(r), 0);
  const durationMs = sum((r) => r.durationMs);
  const ok = sum((r) => r.ok);
  return {
    connections: runs[0].connections,
    durationMs,
    rounds: runs.length,
    ok,
    failed: sum((r) => r.failed),
    failures,
    failExamples: runs.flatMap((r) => r.failExamples).slice(0, 5),
    perSecond: ok / (durationMs / 1000),
    latencyMs: summarize(all),
    samples: all,
    clientCpuSeconds: sum((r) => r.clientCpuSeconds),
    serverCpuSeconds: sum((r) => r.serverCpuSeconds),
  };
}

/**
 * Runs the load and resolves its figures; `samples` holds every latency (ms), sorted.
 * @param {object} o
 * @param {{host:string,port:number}[]} o.targets   connection k goes to targets[k % targets.length]
 * @param {{method,path,headers,body}} o.request
 * @param {(status:number, body:string)=>boolean} o.check
 * @param {number} o.connections
 * @param {number} o.durationMs                       the measured window
 * @param {number} [o.warmupMs=1000]                   load before the window, not measured
 * @param {number} [o.timeoutMs=10000]                 a response slower than this is a timeout (connection reopened)
 * @param {() => number} [o.cpu]                       CPU seconds of the servers, sampled at the window's edges
 */
export function runLoad({ targets, request, check, connections, durationMs, warmupMs = 1000, timeoutMs = 10000, cpu }) {
  return new Promise((resolve) => {
    const lat = new Samples();
    const failures = {};
    const failExamples = [];
    let okInWindow = 0; let failedInWindow = 0;
    const t0 = performance.now();
    const windowStart = t0 + warmupMs;
    const windowEnd = windowStart + durationMs;
    let cpuStart; let cpuEnd; let clientStart; let clientEnd;
    let active = connections;
    let stopping = false;

    const fail = (reason, example) => {
      if (performance.now() < windowStart) return;
      failedInWindow++;
      failures[reason] = (failures[reason] ?? 0) + 1;
      if (example && failExamples.length < 5) failExamples.push(example);
    };

    const startTimer = setTimeout(() => { cpuStart = cpu?.(); clientStart = process.cpuUsage(); }, warmupMs);
    const endTimer = setTimeout(() => { cpuEnd = cpu?.(); clientEnd = process.cpuUsage(clientStart); stopping = true; }, warmupMs + durationMs);

    const finishOne = () => {
      if (--active > 0) return;
      clearTimeout(startTimer); clearTimeout(endTimer);
      const sorted = lat.sorted();
      const seconds = durationMs / 1000;
      resolve({
        connections,
        durationMs,
        ok: okInWindow,
        failed: failedInWindow,
        failures,
        failExamples,
        perSecond: okInWindow / seconds,
        latencyMs: summarize(sorted),
        samples: sorted,
        clientCpuSeconds: clientEnd ? (clientEnd.user + clientEnd.system) / 1e6 : NaN,
        serverCpuSeconds: cpuEnd !== undefined && cpuStart !== undefined ? cpuEnd - cpuStart : NaN,
      });
    };

    for (let c = 0; c < connections; c++) {
      const target = targets[c % targets.length];
      const raw = buildRequest(target, request);
      let sock; let buf = Buffer.alloc(0); let sentAt = 0; let timer; let inFlight = false;

      const connect = () => {
        if (stopping) { finishOne(); return; }
        buf = Buffer.alloc(0);
        sock = net.connect({ host: target.host, port: target.port, noDelay: true });
        sock.once('connect', send);
        sock.on('data', onData);
        sock.on('error', (err) => { sock.errored = err.code ?? err.message; });
        sock.on('close', () => {
          clearTimeout(timer);
          if (inFlight) { inFlight = false; fail(`socket ${sock.errored ?? 'closed'}`, sock.errored); }
          else if (sock.errored) fail(`connect ${sock.errored}`, sock.errored);
          if (sock.replaced) return;
          setTimeout(connect, sock.errored ? 50 : 0);
        });
      };
      const send = () => {
        if (stopping) { sock.replaced = true; sock.destroy(); finishOne(); return; }
        inFlight = true;
        sentAt = performance.now();
        timer = setTimeout(() => { inFlight = false; fail('timeout'); sock.destroy(); }, timeoutMs);
        sock.write(raw);
      };
      const onData = (chunk) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        let res;
        try { res = parseResponse(buf); } catch (err) { inFlight = false; fail('bad response', err.message); sock.destroy(); return; }
        if (!res) return;
        const now = performance.now();
        clearTimeout(timer);
        inFlight = false;
        buf = buf.subarray(res.end);
        if (now >= windowStart && now <= windowEnd) {
          if (check(res.status, res.body)) { okInWindow++; lat.push(now - sentAt); }
          else fail(`HTTP ${res.status}`, `${res.status} ${res.body.slice(0, 200)}`);
        }
        if (res.close) { sock.destroy(); return; }
        send();
      };
      connect();
    }
  });
}
