// A three-member etcd cluster on 127.0.0.1..N for the benchmarks, driven
// through etcd's JSON gRPC gateway (/v3/...). Same shape as ChorusCluster in
// chorus-servers.mjs so the benches treat both alike.
import { mkdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { spawnTracked, killHard, stopGently, request, parseJson, waitFor, cpuSeconds, tailFile, assertPortFree, log, shuttingDown, fatal } from './raftkv-kit.mjs';

const b64 = (s) => Buffer.from(s).toString('base64');

/** Finds the etcd binary, installing the Debian packages if asked to and allowed. */
export function ensureEtcd({ install = true } = {}) {
  const which = () => spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).stdout.trim();
  let bin = which();
  if (!bin && install) {
    log('etcd not found; installing the Debian packages etcd-server and etcd-client');
    const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('apt-get install etcd-server failed');
    bin = which();
  }
  if (!bin) throw new Error('etcd not found (apt-get install etcd-server)');
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
  return { bin, version };
}

export class EtcdCluster {
  /**
   * @param {object} o
   * @param {string} o.dir          parent directory for data and logs
   * @param {number} [o.size=3]
   * @param {number} [o.clientPort=22379]
   * @param {number} [o.peerPort=22380]
   * @param {number} [o.heartbeatMs=100]
   * @param {number} [o.electionMs=1000]
   * @param {string} [o.bin='etcd']
   */
  constructor({ dir, size = 3, clientPort = 22379, peerPort = 22380, heartbeatMs = 100, electionMs = 1000, bin = 'etcd', preVote = false }) {
    this.name = 'etcd';
    this.preVote = preVote;
    this.dir = path.join(dir, 'etcd');
    this.bin = bin;
    this.heartbeatMs = heartbeatMs;
    this.electionMs = electionMs;
    this.members = Array.from({ length: size }, (_, i) => {
      const host = `127.0.0.${i + 1}`;
      return {
        i,
        name: `e${i + 1}`,
        host,
        port: clientPort,
        clientUrl: `http://${host}:${clientPort}`,
        peerUrl: `http://${host}:${peerPort}`,
        dataDir: path.join(this.dir, `e${i + 1}`, 'data'),
        logFile: path.join(this.dir, `e${i + 1}`, 'log'),
        proc: undefined,
        memberId: undefined,
      };
    });
    this.initialCluster = this.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  }

  get size() { return this.members.length; }

  async checkPorts() {
    for (const m of this.members) {
      await assertPortFree(m.host, m.port);
      await assertPortFree(m.host, Number(new URL(m.peerUrl).port));
    }
  }

  spawn(i) {
    const m = this.members[i];
    mkdirSync(path.dirname(m.logFile), { recursive: true });
    const fresh = !existsSync(m.dataDir);
    const args = [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientUrl,
      '--advertise-client-urls', m.clientUrl,
      '--listen-peer-urls', m.peerUrl,
      '--initial-advertise-peer-urls', m.peerUrl,
      '--initial-cluster', this.initialCluster,
      '--initial-cluster-token', 'chorus-bench',
      '--initial-cluster-state', 'new',
      '--heartbeat-interval', String(this.heartbeatMs),
      '--election-timeout', String(this.electionMs),
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      '--log-level', 'warn',
      ...(this.preVote ? ['--pre-vote'] : []),
    ];
    m.proc = spawnTracked(this.bin, args, { logFile: m.logFile });
    m.proc.exitPromise.then(({ code, signal }) => {
      if (!m.proc?.killedByUs && !this.stopping && !shuttingDown()) log(`etcd ${m.name} exited unexpectedly (code ${code}, signal ${signal}):\n${tailFile(m.logFile)}`);
    });
    return fresh;
  }

  alive(i) { const p = this.members[i].proc; return !!p && !p.exited; }
  pids() { return this.members.filter((m) => m.proc && !m.proc.exited).map((m) => m.proc.pid); }
  cpu() { return this.pids().reduce((s, pid) => s + cpuSeconds(pid), 0); }

  async start(timeoutMs = 60000) {
    await this.checkPorts();
    for (let i = 0; i < this.size; i++) this.spawn(i);
    await waitFor('etcd members to answer status', async (note) => {
      for (const m of this.members) {
        if (!this.alive(m.i)) throw fatal(`etcd ${m.name} exited:\n${tailFile(m.logFile)}`);
        const s = await this.status(m.i);
        if (!s) { note(`${m.name} not answering`); return false; }
        m.memberId = s.header.member_id;
      }
      return true;
    }, { timeoutMs, intervalMs: 200 });
  }

  /** SIGKILLs member i; resolves once the process is gone. */
  async kill(i) {
    const m = this.members[i];
    if (m.proc) m.proc.killedByUs = true;
    await killHard(m.proc);
  }

  /** Sends SIGKILL and returns immediately (the failover clock starts here). */
  killNow(i) {
    const m = this.members[i];
    m.proc.killedByUs = true;
    m.proc.kill('SIGKILL');
    return m.proc.exitPromise;
  }

  async restart(i) {
    await this.kill(i);
    this.spawn(i);
  }

  async stop() {
    this.stopping = true;
    await Promise.all(this.members.map(async (m) => { if (m.proc) m.proc.killedByUs = true; await stopGently(m.proc); }));
  }

  async status(i, timeoutMs = 1000) {
    const r = await request('POST', `${this.members[i].clientUrl}/v3/maintenance/status`, { body: {}, timeoutMs });
    if (!r.ok) return undefined;
    return parseJson(r.body);
  }

  /** The leader as every live member sees it: { index, views } (index -1 when none or they disagree). */
  async leader() {
    const views = await Promise.all(this.members.map(async (m) => {
      if (!this.alive(m.i)) return { i: m.i, dead: true };
      const s = await this.status(m.i);
      if (!s) return { i: m.i, error: 'no status' };
      m.memberId = s.header?.member_id ?? m.memberId;
      return { i: m.i, leaderId: s.leader, term: Number(s.raftTerm ?? s.header?.raft_term), index: Number(s.raftIndex) };
    }));
    const live = views.filter((v) => !v.dead);
    const ids = new Set(live.map((v) => v.leaderId));
    let index = -1;
    if (ids.size === 1 && live.every((v) => v.leaderId && v.leaderId !== '0')) {
      const id = live[0].leaderId;
      index = this.members.findIndex((m) => m.memberId === id);
    }
    return { index, views };
  }

  /** Member i's view of the leader: { index } (-1 for none) or { error }. */
  async leaderOf(i, timeoutMs = 1000) {
    const s = await this.status(i, timeoutMs);
    if (!s) return { error: 'no status' };
    if (!s.leader || s.leader === '0') return { index: -1 };
    return { index: this.members.findIndex((m) => m.memberId === s.leader) };
  }

  /** Number of voting members the cluster reports. */
  async peerCount(i) {
    const r = await request('POST', `${this.members[i].clientUrl}/v3/cluster/member/list`, { body: {}, timeoutMs: 1000 });
    const j = r.ok ? parseJson(r.body) : undefined;
    return j?.members?.filter((m) => !m.isLearner).length ?? 0;
  }

  put(i, key, value, { timeoutMs = 2000, signal } = {}) {
    return request('POST', `${this.members[i].clientUrl}/v3/kv/put`, { body: { key: b64(key), value: b64(value) }, timeoutMs, signal });
  }

  /** Reads key through member i; stale = serializable (local state), else linearizable. Resolves the value or undefined. */
  async get(i, key, { stale = false, timeoutMs = 2000 } = {}) {
    const r = await request('POST', `${this.members[i].clientUrl}/v3/kv/range`, { body: { key: b64(key), ...(stale ? { serializable: true } : {}) }, timeoutMs });
    if (!r.ok) return undefined;
    const kv = parseJson(r.body)?.kvs?.[0];
    return kv ? Buffer.from(kv.value ?? '', 'base64').toString('utf8') : undefined;
  }

  /** The raw HTTP request the load generator repeats. kind: 'put' | 'get' | 'get-stale'. */
  loadRequest(kind, key, value) {
    const body = kind === 'put'
      ? JSON.stringify({ key: b64(key), value: Buffer.from(value).toString('base64') })
      : JSON.stringify({ key: b64(key), ...(kind === 'get-stale' ? { serializable: true } : {}) });
    return { method: 'POST', path: kind === 'put' ? '/v3/kv/put' : '/v3/kv/range', headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
  }

  /** Checks that a response to a load request did what was asked (2xx alone is not enough for range). */
  loadResponseOk(kind, status, body) {
    if (status < 200 || status >= 300) return false;
    if (kind === 'put') return true;
    return body.includes('"kvs"');
  }

  describe() {
    return { heartbeatMs: this.heartbeatMs, electionMs: this.electionMs, preVote: this.preVote, members: this.members.map((m) => m.clientUrl) };
  }

  logTail(i, lines) { return tailFile(this.members[i].logFile, lines); }
}
