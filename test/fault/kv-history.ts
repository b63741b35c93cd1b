import { casRegisterModel, checkOperations, type Operation, type RegisterInput, type RegisterOutput } from '../helpers/linearizability.js';

/** How a read asked for consistency. */
export type ReadMode = 'default' | 'consistent' | 'stale';

/**
 * One client operation as the fault runner recorded it. Times are
 * microseconds on the runner's monotonic clock; `ret` is null when the
 * outcome is unknown (timed out, or the connection broke after the request
 * may have been delivered).
 */
export interface KvOp {
  id: number;
  worker: number;
  /** The server (1-based) the request was sent to. */
  node: number;
  kind: 'get' | 'put' | 'cas' | 'log';
  mode?: ReadMode;
  key: string;
  /** put, cas, log: the value written (every value is unique in a run). */
  value?: string;
  /** cas: the ModifyIndex asked for, and the value this worker saw at that index (null for 0: "only if absent"). */
  casIndex?: number;
  casFrom?: string | null;
  call: number;
  ret: number | null;
  /** ok: the answer is known; fail: the request certainly had no effect (a read that failed, a refused connection); unknown: it may have. */
  outcome: 'ok' | 'fail' | 'unknown';
  /** get: the value read (null: 404); cas: whether it applied. */
  result?: string | null | boolean;
  /** get: the entry's ModifyIndex; X-Consul-Index otherwise when present. */
  index?: number;
  status?: number;
  error?: string;
  /** Part of the final check after every fault healed. */
  final?: boolean;
}

export interface NemesisEvent {
  at: number;
  what: string;
}

export interface RunnerReport {
  seed: number;
  durationMs: number;
  startedAt: string;
  runtimeMs: number;
  history: KvOp[];
  events: NemesisEvent[];
  counts: { partitions: number; linkCuts: number; leaderKills: number; pauses: number; droppedPackets: number; leaders: string[] };
  ledger: { acknowledged: number; unknown: number; missing: Record<string, string[]> };
  registerKeys: string[];
  /** Date.now() when the runner's clock read 0, to line its times up with the servers' logs. */
  wallAtZero: number;
  logDir: string;
  error?: string;
}

/**
 * The register history in the checker's terms, for the read modes given
 * (writes and CAS always count; ledger writes and failed operations never).
 *
 * Operations of unknown outcome are what makes the search expensive: with an
 * open end they stay pending to the end of the history, and every subset of
 * them is a state. Two sound reductions:
 *  - an unknown write whose value somebody observed (a read of any mode, or a
 *    CAS from that value that applied) took effect before the first observer
 *    returned, so it gets that return time (and a CAS, the result true);
 *  - with `dropUnobserved`, an unknown write nobody observed is left out, as
 *    if it never took effect. That only removes possible orders, so a history
 *    linearizable without them is linearizable with them; when it is not,
 *    check again with them (see checkRegisters).
 */
export function toCheckerOps(history: KvOp[], modes: ReadMode[], dropUnobserved = false): Operation<RegisterInput, RegisterOutput>[] {
  const observed = new Map<string, number>();
  const observe = (key: string, value: string, at: number): void => {
    const k = `${key}=${value}`;
    if (!(observed.get(k)! <= at)) observed.set(k, at);
  };
  for (const op of history) {
    if (op.outcome !== 'ok') continue;
    if (op.kind === 'get' && typeof op.result === 'string') observe(op.key, op.result, op.ret!);
    if (op.kind === 'cas' && op.result === true && typeof op.casFrom === 'string') observe(op.key, op.casFrom, op.ret!);
  }
  const ops: Operation<RegisterInput, RegisterOutput>[] = [];
  for (const op of history) {
    if (op.outcome === 'fail' || op.kind === 'log') continue;
    if (op.kind === 'get') {
      if (op.outcome !== 'ok' || !modes.includes(op.mode!)) continue;
      ops.push({ client: op.worker, input: { op: 'get', key: op.key }, output: op.result as string | null, call: op.call, ret: op.ret! });
      continue;
    }
    let ret = op.ret ?? Infinity;
    let output: RegisterOutput | undefined = op.kind === 'put' ? true : (op.result as boolean | undefined);
    if (op.outcome === 'unknown') {
      const seen = observed.get(`${op.key}=${op.value}`);
      if (seen === undefined && dropUnobserved) continue;
      ret = seen ?? Infinity;
      output = seen === undefined ? undefined : true;
    }
    const input: RegisterInput = op.kind === 'put'
      ? { op: 'put', key: op.key, value: op.value! }
      : { op: 'cas', key: op.key, from: op.casFrom ?? null, to: op.value! };
    ops.push({ client: op.worker, input, output, call: op.call, ret });
  }
  return ops;
}

export interface Verdict {
  ok: boolean;
  /** The key whose history is not linearizable. */
  key?: string;
  /** The search gave up: neither proof nor disproof. */
  exhausted?: boolean;
}

/**
 * Checks the register history per key, for the read modes given. First
 * without the unobserved unknown writes (cheap, and enough when it passes),
 * then, for a key that fails, with them, under a bound on the search (the
 * memo of the checker holds one byte per operation per state).
 */
export function checkRegisters(history: KvOp[], keys: string[], modes: ReadMode[], maxStates = 300_000): Verdict {
  for (const key of keys) {
    const mine = history.filter((op) => op.key === key);
    if (checkOperations(casRegisterModel, toCheckerOps(mine, modes, true), maxStates).ok) continue;
    const r = checkOperations(casRegisterModel, toCheckerOps(mine, modes, false), maxStates);
    if (!r.ok) return { ok: false, key, exhausted: r.exhausted === true };
  }
  return { ok: true };
}

/**
 * Every value was written once, so it has one ModifyIndex; and every value a
 * read returned (any mode) was written by some client. Returns the problems.
 */
export function checkIndexes(history: KvOp[]): string[] {
  const problems: string[] = [];
  const written = new Set(history.filter((o) => o.kind !== 'get').map((o) => `${o.key}=${o.value}`));
  const indexOf = new Map<string, number>();
  const valueAt = new Map<string, string>();
  for (const op of history) {
    if (op.kind !== 'get' || op.outcome !== 'ok' || op.result === null || op.result === undefined) continue;
    const v = op.result as string;
    if (!written.has(`${op.key}=${v}`)) problems.push(`op ${op.id} (${op.mode} read of ${op.key} via node ${op.node}) returned ${v}, which nobody wrote`);
    const seen = indexOf.get(`${op.key}=${v}`);
    if (seen === undefined) indexOf.set(`${op.key}=${v}`, op.index!);
    else if (seen !== op.index) problems.push(`op ${op.id}: ${op.key}=${v} read with ModifyIndex ${op.index}, elsewhere ${seen}`);
    const other = valueAt.get(`${op.key}@${op.index}`);
    if (other === undefined) valueAt.set(`${op.key}@${op.index}`, v);
    else if (other !== v) problems.push(`op ${op.id}: ${op.key} at ModifyIndex ${op.index} is ${v}, elsewhere ${other}`);
  }
  return problems;
}

/**
 * Human-readable evidence of stale reads. A read R returned u, yet some
 * acknowledged write of another value v began after u was certainly in place
 * (u's write was acknowledged, or somebody had read u) and was acknowledged
 * before R began. Values are unique, so u could not come back: each such
 * pair is a linearizability violation by itself. For R returning "absent",
 * any write acknowledged before R began is evidence.
 */
export function staleReadWitnesses(history: KvOp[], modes: ReadMode[], limit = 10): string[] {
  // When each value was certainly in place (the earliest acknowledgement or observation).
  const inPlace = new Map<string, { at: number; how: string }>();
  const note = (key: string, value: string, at: number, how: string): void => {
    const k = `${key}=${value}`;
    const seen = inPlace.get(k);
    if (seen === undefined || at < seen.at) inPlace.set(k, { at, how });
  };
  const acked: KvOp[] = [];
  for (const op of history) {
    if (op.outcome !== 'ok' || op.ret === null) continue;
    if (op.kind === 'get' && typeof op.result === 'string') note(op.key, op.result, op.ret, `read by op ${op.id} (${op.mode} via node ${op.node})`);
    if (op.kind === 'put' || (op.kind === 'cas' && op.result === true)) {
      note(op.key, op.value!, op.ret, `written by op ${op.id} (${op.kind} via node ${op.node})`);
      acked.push(op);
    }
  }
  acked.sort((a, b) => a.ret! - b.ret!);
  const out: string[] = [];
  for (const r of history) {
    if (r.kind !== 'get' || r.outcome !== 'ok' || !modes.includes(r.mode!)) continue;
    const u = r.result as string | null;
    const since = u === null ? -Infinity : inPlace.get(`${r.key}=${u}`)?.at;
    if (since === undefined) continue;
    const w = acked.find((p) => p.key === r.key && p.value !== u && p.call > since && p.ret! < r.call);
    if (w === undefined) continue;
    const how = u === null ? '' : ` (${inPlace.get(`${r.key}=${u}`)!.how}, done at ${ms(since)})`;
    out.push(
      `op ${r.id}: ${r.mode} read of ${r.key} via node ${r.node} in [${ms(r.call)}, ${ms(r.ret!)}] returned ${JSON.stringify(u)}${how}` +
        `, but op ${w.id} (${w.kind} of ${JSON.stringify(w.value)} via node ${w.node}) began at ${ms(w.call)}, after that, and was acknowledged at ${ms(w.ret!)}, before the read began`,
    );
    if (out.length >= limit) break;
  }
  return out;
}

/** Runner microseconds as seconds with milliseconds, for messages. */
export function ms(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}
