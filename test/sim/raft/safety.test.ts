import t from 'tap';
import type { LogEntry, RaftStatus } from '../../../lib/raft/index.js';
import type { RaftSim, SimServer } from './harness.js';
import { SafetyChecker } from './safety.js';

/**
 * The safety checker on hand-made logs: each property it claims to check
 * must fail when broken, and legitimate Raft behaviour (an uncommitted
 * suffix overwritten by a later leader, compaction) must pass.
 */

type Listener = (arg: never) => void;

class FakeServer {
  up = true;
  base = 0;
  baseTerm = 0;
  entries: LogEntry[] = [];
  role: RaftStatus['role'] = 'follower';
  term = 0;
  readonly listeners = new Map<string, Listener[]>();
  constructor(readonly id: string) {}
  get node() {
    return {
      logEntries: () => ({ base: this.base, baseTerm: this.baseTerm, entries: this.entries.slice() }),
      get isLeader() { return false; },
      status: () => ({ id: this.id, role: this.role, term: this.term }) as RaftStatus,
      on: (event: string, fn: Listener) => {
        this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
        return () => undefined;
      },
    };
  }
  emit(event: string, arg: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) (fn as (a: unknown) => void)(arg);
  }
}

function setup(n: number): { safety: SafetyChecker; servers: FakeServer[]; lead: (s: FakeServer, term: number) => void } {
  const servers = Array.from({ length: n }, (_, i) => new FakeServer(`s${i}`));
  const wrapped = servers.map((s) => {
    const node = s.node;
    Object.defineProperty(node, 'isLeader', { get: () => s.role === 'leader' });
    return { get up() { return s.up; }, id: s.id, node } as unknown as SimServer;
  });
  const sim = { servers: wrapped, clock: { now: () => 0 } } as unknown as RaftSim;
  const safety = new SafetyChecker(sim);
  for (const w of wrapped) safety.watch(w);
  const lead = (s: FakeServer, term: number): void => {
    s.role = 'leader';
    s.term = term;
    s.emit('state', { id: s.id, role: 'leader', term });
  };
  return { safety, servers, lead };
}

const e = (index: number, term: number, data = `${index}@${term}`): LogEntry => ({ index, term, kind: 'command', data: Buffer.from(data) });
const log = (...spec: [number, string?][]): LogEntry[] => spec.map(([term, data], i) => e(i + 1, term, data));

t.test('agreeing logs, and a suffix overwritten by a later term, pass', async (t) => {
  const { safety, servers } = setup(3);
  servers[0]!.entries = log([1], [1], [2]);
  servers[1]!.entries = log([1], [1]);
  servers[2]!.entries = log([1], [1], [1, 'uncommitted']);
  t.doesNotThrow(() => safety.checkStep());
  servers[2]!.entries = log([1], [1], [2]);
  t.doesNotThrow(() => safety.checkStep(), 'the entry of term 1 at 3 replaced by the leader’s');
  // Compaction: the log now starts after a snapshot of 2 entries of term 1.
  servers[0]!.base = 2;
  servers[0]!.baseTerm = 1;
  servers[0]!.entries = [e(3, 2), e(4, 2)];
  t.doesNotThrow(() => safety.checkStep());
  t.same(safety.violations, []);
});

t.test('two logs with different entries at the same index and term fail', async (t) => {
  const { safety, servers } = setup(2);
  servers[0]!.entries = log([1], [1, 'a']);
  servers[1]!.entries = log([1], [1, 'b']);
  t.throws(() => safety.checkStep(), /log matching/);
});

t.test('logs that share an entry but differ below it fail', async (t) => {
  const { safety, servers } = setup(2);
  servers[0]!.entries = log([1], [1], [3]);
  servers[1]!.entries = log([1], [2], [3]);
  t.throws(() => safety.checkStep(), /differ below it/);
});

t.test('a log that differs from one seen earlier, on a server now down, fails', async (t) => {
  const { safety, servers } = setup(2);
  servers[0]!.entries = log([1], [2, 'x']);
  safety.checkStep();
  servers[0]!.up = false;
  servers[1]!.entries = log([1], [2, 'y']);
  t.throws(() => safety.checkStep(), /log matching/);
});

t.test('a change deep in a log already checked is seen', async (t) => {
  const { safety, servers } = setup(1);
  servers[0]!.entries = log([1], [1], [1]);
  safety.checkStep();
  servers[0]!.entries = [e(1, 1), e(2, 1, 'rewritten'), servers[0]!.entries[2]!];
  t.throws(() => safety.checkStep(), /log matching/);
});

t.test('an entry at the wrong position fails', async (t) => {
  const { safety, servers } = setup(1);
  servers[0]!.entries = [e(1, 1), e(3, 1)];
  t.throws(() => safety.checkStep(), /at position 2/);
});

t.test('a snapshot whose last term disagrees with the log below fails', async (t) => {
  const { safety, servers } = setup(2);
  servers[0]!.entries = log([1], [1], [2]);
  servers[1]!.base = 2;
  servers[1]!.baseTerm = 2;
  servers[1]!.entries = [e(3, 2)];
  t.throws(() => safety.checkStep(), /differ below it/);
});

t.test('two leaders in one term fail', async (t) => {
  const { servers, lead } = setup(2);
  lead(servers[0]!, 3);
  t.throws(() => lead(servers[1]!, 3), /two leaders in term 3/);
});

t.test('two servers applying different entries at one index fail', async (t) => {
  const { servers } = setup(2);
  servers[0]!.emit('applied', e(1, 1, 'a'));
  t.throws(() => servers[1]!.emit('applied', e(1, 1, 'b')), /applied/);
});

t.test('a leader elected after an entry was applied must hold it', async (t) => {
  const { safety, servers, lead } = setup(2);
  lead(servers[0]!, 1);
  servers[0]!.entries = log([1], [1]);
  servers[0]!.emit('applied', e(1, 1));
  servers[0]!.emit('applied', e(2, 1));
  safety.checkStep();
  servers[0]!.role = 'follower';
  servers[1]!.entries = log([1]);
  lead(servers[1]!, 2);
  t.throws(() => safety.checkStep(), /leader completeness: s1 leads term 2 without committed entry 2@1/);
});
