/**
 * A linearizability checker in the style of Wing & Gong with Lowe's
 * memoization, as Porcupine implements it: depth-first search over the
 * orders consistent with real time, caching (linearized set, state) pairs
 * already explored. Histories are partitioned (per key) first, since a
 * history is linearizable iff each independent part is (P-compositionality).
 *
 * An operation whose outcome is unknown (it timed out) has `ret: Infinity`
 * and `output: undefined`: it may take effect at any point after its call,
 * or never (it is then linearized at the very end, where nobody observes it).
 */
export interface Operation<I, O> {
  client: number;
  input: I;
  /** undefined when the outcome is unknown. */
  output: O | undefined;
  call: number;
  ret: number;
}

export interface Model<S, I, O> {
  init(): S;
  /** Whether applying `input` in `state` may produce `output` (undefined: unknown); the state after. */
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  key(state: S): string;
  partition?(ops: Operation<I, O>[]): Operation<I, O>[][];
}

export interface CheckResult {
  ok: boolean;
  /** Index of the first partition found not linearizable. */
  failedPartition?: number;
  /** The search gave up (too many states); ok is then undefined-as-false. */
  exhausted?: boolean;
}

interface Node {
  id: number;
  isCall: boolean;
  time: number;
  input: unknown;
  output: unknown;
  match: Node | undefined;
  prev: Node | undefined;
  next: Node | undefined;
}

export function checkOperations<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], maxStates = 2_000_000): CheckResult {
  const parts = model.partition ? model.partition(ops) : [ops];
  for (let i = 0; i < parts.length; i++) {
    const r = checkSingle(model, parts[i]!, maxStates);
    if (r !== true) return { ok: false, failedPartition: i, exhausted: r === 'exhausted' };
  }
  return { ok: true };
}

function checkSingle<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], maxStates: number): true | false | 'exhausted' {
  const events: Node[] = [];
  ops.forEach((op, id) => {
    const call: Node = { id, isCall: true, time: op.call, input: op.input, output: op.output, match: undefined, prev: undefined, next: undefined };
    const ret: Node = { id, isCall: false, time: op.ret, input: undefined, output: undefined, match: undefined, prev: undefined, next: undefined };
    call.match = ret;
    events.push(call, ret);
  });
  // By time; at equal times calls first, so touching operations count as concurrent.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1));
  const head: Node = { id: -1, isCall: false, time: -Infinity, input: undefined, output: undefined, match: undefined, prev: undefined, next: undefined };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  const lift = (n: Node): void => {
    n.prev!.next = n.next;
    n.next!.prev = n.prev;
    const m = n.match!;
    m.prev!.next = m.next;
    if (m.next !== undefined) m.next.prev = m.prev;
  };
  const unlift = (n: Node): void => {
    const m = n.match!;
    m.prev!.next = m;
    if (m.next !== undefined) m.next.prev = m;
    n.prev!.next = n;
    n.next!.prev = n;
  };
  const linearized = new Uint8Array(ops.length);
  const cache = new Set<string>();
  const stack: { node: Node; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let explored = 0;
  while (head.next !== undefined) {
    if (entry === undefined) return false;
    if (entry.isCall) {
      const r = model.step(state, entry.input as I, entry.output as O | undefined);
      if (r.ok) {
        linearized[entry.id] = 1;
        const key = `${Buffer.from(linearized).toString('base64')}|${model.key(r.state)}`;
        if (!cache.has(key)) {
          if (++explored > maxStates) return 'exhausted';
          cache.add(key);
          stack.push({ node: entry, state });
          state = r.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.id] = 0;
      }
      entry = entry.next;
    } else {
      // A return reached before its call was linearized: undo the last choice.
      const top = stack.pop();
      if (top === undefined) return false;
      state = top.state;
      linearized[top.node.id] = 0;
      unlift(top.node);
      entry = top.node.next;
    }
  }
  return true;
}

// ---- compare-and-set registers, one per key ----

export type RegisterInput = { op: 'get'; key: string } | { op: 'put'; key: string; value: string } | { op: 'cas'; key: string; from: string | null; to: string };
export type RegisterOutput = string | null | boolean;

export const casRegisterModel: Model<string | null, RegisterInput, RegisterOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.op) {
      case 'get':
        return { ok: output === undefined || output === state, state };
      case 'put':
        return { ok: true, state: input.value };
      case 'cas': {
        const applies = state === input.from;
        if (output === undefined) return { ok: true, state: applies ? input.to : state };
        return { ok: output === applies, state: applies ? input.to : state };
      }
    }
  },
  key: (state) => (state === null ? '\u0000' : state),
  partition(ops) {
    const byKey = new Map<string, Operation<RegisterInput, RegisterOutput>[]>();
    for (const op of ops) {
      const list = byKey.get(op.input.key) ?? [];
      list.push(op);
      byKey.set(op.input.key, list);
    }
    return [...byKey.values()];
  },
};
