// Three chorus servers (`sup run --server --bootstrap-expect N`) on
// 127.0.0.1..N for the benchmarks, driven through the Consul-compatible HTTP
// API. Same shape as EtcdCluster in etcd.mjs.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { spawnTracked, killHard, stopGently, request, parseJson, waitFor, cpuSeconds, tailFile, assertPortFree, log, shuttingDown, fatal } from './raftkv-kit.mjs';

export class ChorusCluster {
  /**
   * @param {object} o
   * @param {string} o.root          the chorus checkout (the bundle dist/chorus/chorus.js is run from it)
   * @param {string} o.dir           parent directory for data, config and logs
   * @param {number} [o.size=3]
   * @param {number} [o.httpPort=19631]
   * @param {number} [o.gossipPort=19638]
   * @param {number} [o.ctlPort=19632]
   * @param {number} [o.heartbeatMs=100]
   * @param {number} [o.electionMs=1000]
   * @param {boolean} [o.raftConfig=true] write heartbeat/election into a --config TOML [raft] table
   * @param {string} [o.logLevel='warn']
   */
  constructor({ root, dir, size = 3, httpPort = 19631, gossipPort = 19638, ctlPort = 19632, heartbeatMs = 100, electionMs = 1000, raftConfig = true, logLevel = 'warn' }) {
    this.name = 'chorus';
    this.bin = path.join(root, 'dist', 'chorus', 'chorus.js');
    this.dir = path.join(dir, 'chorus');
    this.heartbeatMs = heartbeatMs;
    this.electionMs = electionMs;
    this.raftConfig = raftConfig;
    this.logLevel = logLevel;
    this.members = Array.from({ length: size }, (_, i) => {
      const host = `127.0.0.${i + 1}`;
      return {
        i,
        name: `s${i + 1}`,
        host,
        port: httpPort,
        httpUrl: `http://${host}:${httpPort}`,
        gossipAddr: `${host}:${gossipPort}`,
        ctlAddr: `${host}:${ctlPort}`,
        dataDir: path.join(this.dir, `s${i + 1}`, 'data'),
        logFile: path.join(this.dir, `s${i + 1}`, 'log'),
        proc: undefined,
      };
    });
    this.configFile = path.join(this.dir, 'chorus.toml');
  }

  get size() { return this.members.length; }

  async checkPorts() {
    if (!existsSync(this.bin)) throw new Error(`${this.bin} is missing: run npm run build (or drop --no-build)`);
    for (const m of this.members) {
      await assertPortFree(m.host, m.port);
      await assertPortFree(m.host, Number(m.gossipAddr.split(':')[1]));
      await assertPortFree(m.host, Number(m.ctlAddr.split(':')[1]));
    }
  }

  /** Starts member i, joining through the given peers (gossip addresses). */
  spawn(i, peers) {
    const m = this.members[i];
    mkdirSync(path.dirname(m.logFile), { recursive: true });
    // BENCH_CHORUS_NODE_ARGS: extra node flags for the servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.BENCH_CHORUS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const args = [
      ...nodeArgs,
      this.bin, 'sup', 'run',
      '--server', '--bootstrap-expect', String(this.size),
      '--node-name', m.name,
      '--data-dir', m.dataDir,
      '--listen-http', `${m.host}:${m.port}`,
      '--listen-gossip', m.gossipAddr,
      '--listen-ctl', m.ctlAddr,
      '--log-level', this.logLevel,
      ...(this.raftConfig ? ['--config', this.configFile] : []),
      ...peers.flatMap((p) => ['--peer', p]),
    ];
    // A clean environment: no CHORUS_/HAB_/CONSUL_ settings leak in from the caller's shell.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CHORUS|HAB|CONSUL)_/.test(k)));
    m.proc = spawnTracked(process.execPath, args, { logFile: m.logFile, env });
    m.proc.exitPromise.then(({ code, signal }) => {
      if (!m.proc?.killedByUs && !this.stopping && !shuttingDown()) log(`chorus ${m.name} exited unexpectedly (code ${code}, signal ${signal}):\n${tailFile(m.logFile)}`);
    });
  }

  alive(i) { const p = this.members[i].proc; return !!p && !p.exited; }
  pids() { return this.members.filter((m) => m.proc && !m.proc.exited).map((m) => m.proc.pid); }
  cpu() { return this.pids().reduce((s, pid) => s + cpuSeconds(pid), 0); }

  async start(timeoutMs = 60000) {
    await this.checkPorts();
    mkdirSync(this.dir, { recursive: true });
    if (this.raftConfig) {
      writeFileSync(this.configFile, `[raft]\nheartbeat_interval_ms = ${this.heartbeatMs}\nelection_timeout_ms = ${this.electionMs}\n`);
    }
    this.spawn(0, []);
    for (let i = 1; i < this.size; i++) this.spawn(i, [this.members[0].gossipAddr]);
    await waitFor('chorus servers to answer /v1/status/leader', async (note) => {
      for (const m of this.members) {
        if (!this.alive(m.i)) throw fatal(`chorus ${m.name} exited:\n${tailFile(m.logFile)}`);
        const r = await request('GET', `${m.httpUrl}/v1/status/leader`, { timeoutMs: 1000 });
        if (!r.ok) { note(`${m.name}: ${r.status ?? ''} ${r.error ?? r.body}`); return false; }
      }
      return true;
    }, { timeoutMs, intervalMs: 200 });
  }

  async kill(i) {
    const m = this.members[i];
    if (m.proc) m.proc.killedByUs = true;
    await killHard(m.proc);
  }

  killNow(i) {
    const m = this.members[i];
    m.proc.killedByUs = true;
    m.proc.kill('SIGKILL');
    return m.proc.exitPromise;
  }

  /** Restarts member i on its old data dir, joining through the members still running. */
  async restart(i) {
    await this.kill(i);
    const peers = this.members.filter((m) => m.i !== i && this.alive(m.i)).map((m) => m.gossipAddr);
    this.spawn(i, peers);
  }

  async stop() {
    this.stopping = true;
    await Promise.all(this.members.map(async (m) => { if (m.proc) m.proc.killedByUs = true; await stopGently(m.proc); }));
  }

  /** Member i's view of the leader: the index, -1 for none (""), undefined when it does not answer. */
  async leaderOf(i, timeoutMs = 1000) {
    const r = await request('GET', `${this.members[i].httpUrl}/v1/status/leader`, { timeoutMs });
    if (!r.ok) return { error: `${r.status ?? ''} ${r.error ?? r.body}`.trim() };
    const addr = parseJson(r.body);
    if (typeof addr !== 'string') return { error: `not a JSON string: ${r.body.slice(0, 80)}` };
    return { addr, index: addr === '' ? -1 : this.members.findIndex((m) => m.gossipAddr === addr) };
  }

  /** The leader as every live member sees it: { index, views } (index -1 when none or they disagree). */
  async leader() {
    const views = await Promise.all(this.members.map(async (m) => {
      if (!this.alive(m.i)) return { i: m.i, dead: true };
      return { i: m.i, ...(await this.leaderOf(m.i)) };
    }));
    const live = views.filter((v) => !v.dead);
    const idx = new Set(live.map((v) => v.index));
    const index = idx.size === 1 && live[0].index >= 0 ? live[0].index : -1;
    return { index, views };
  }

  async peerCount(i) {
    const r = await request('GET', `${this.members[i].httpUrl}/v1/status/peers`, { timeoutMs: 1000 });
    const j = r.ok ? parseJson(r.body) : undefined;
    return Array.isArray(j) ? j.length : 0;
  }

  async put(i, key, value, { timeoutMs = 2000, signal } = {}) {
    const r = await request('PUT', `${this.members[i].httpUrl}/v1/kv/${encodeURIComponent(key)}`, { body: Buffer.from(value), timeoutMs, signal });
    if (r.ok && r.body.trim() !== 'true') return { ...r, ok: false, error: `answered ${r.body.slice(0, 80)}` };
    return r;
  }

  async get(i, key, { stale = false, timeoutMs = 2000 } = {}) {
    const r = await request('GET', `${this.members[i].httpUrl}/v1/kv/${encodeURIComponent(key)}${stale ? '?stale' : ''}`, { timeoutMs });
    if (!r.ok) return undefined;
    const e = parseJson(r.body)?.[0];
    return e ? Buffer.from(e.Value ?? '', 'base64').toString('utf8') : undefined;
  }

  loadRequest(kind, key, value) {
    if (kind === 'put') return { method: 'PUT', path: `/v1/kv/${key}`, headers: {}, body: Buffer.from(value) };
    return { method: 'GET', path: `/v1/kv/${key}${kind === 'get-stale' ? '?stale' : ''}`, headers: {}, body: undefined };
  }

  loadResponseOk(kind, status, body) {
    if (status < 200 || status >= 300) return false;
    return kind === 'put' ? body.trim() === 'true' : body.includes('"Value"');
  }

  describe() {
    return {
      heartbeatMs: this.heartbeatMs, electionMs: this.electionMs, raftConfig: this.raftConfig,
      members: this.members.map((m) => ({ http: m.httpUrl, gossip: m.gossipAddr })),
    };
  }

  logTail(i, lines) { return tailFile(this.members[i].logFile, lines); }
}
