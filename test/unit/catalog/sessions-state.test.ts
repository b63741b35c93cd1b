import t from 'tap';
import { CatalogState } from '../../../lib/catalog/state.js';
import { decodeCommand, encodeCommand, validateCommand } from '../../../lib/catalog/commands.js';
import {
  checkRegistration, deregisterCommand, registerCommand, serviceRegistration, sessionCreateCommand, parseGoDurationNs,
  type CatalogCommand, type ChangeListener, type LocksReleased, type SessionEvents,
} from '../../../lib/catalog/index.js';
import { ErrorCode } from '../../../lib/core/errors.js';

const id = (n: number): string => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
const bytes = (s: string): Uint8Array => Buffer.from(s);

function recorder(): ChangeListener & { log: string[] } {
  const log: string[] = [];
  return { log, changed: (topic, keys, index) => log.push(`${topic}@${index}:${[...keys].sort().join(',')}`), reset: () => log.push('reset') };
}

/** Records the events a state reports, in order. */
function events(): { hooks: SessionEvents; log: string[]; released: LocksReleased[] } {
  const log: string[] = [];
  const released: LocksReleased[] = [];
  return {
    log,
    released,
    hooks: {
      created: (s) => log.push(`created ${s.ID}`),
      destroyed: (x) => log.push(`destroyed ${x}`),
      locksReleased: (r) => released.push(r),
    },
  };
}

/** A node with a passing serfHealth and, optionally, a service with a check. */
const node = (name: string, serf = 'passing', extra: Partial<Parameters<typeof registerCommand>[0]> = {}): CatalogCommand =>
  registerCommand({ Node: name, Address: '10.0.0.1', Checks: [checkRegistration({ CheckID: 'serfHealth', Name: 'Serf Health Status', Status: serf })], ...extra });
const lock = (key: string, session: string, value = 'v'): CatalogCommand => ({ type: 'kv.lock', key, value: bytes(value), flags: 0, session });

t.test('create: the node must exist and every check must exist and not be critical, in Consul words', async (t) => {
  const s = new CatalogState();
  t.throws(() => s.apply(1, sessionCreateCommand({ ID: id(1), Node: 'n1' })), { code: ErrorCode.Rejected, message: 'Missing node registration' });
  s.apply(2, node('n1'));
  t.throws(() => s.apply(3, sessionCreateCommand({ ID: id(1), Node: 'n1', NodeChecks: ['serfHealth', 'disk'] })),
    { code: ErrorCode.Rejected, message: "Missing check 'disk' registration" });
  s.apply(4, registerCommand({ Node: 'n1', Address: '10.0.0.1', Checks: [checkRegistration({ CheckID: 'disk', Name: 'disk', Status: 'critical' })] }));
  t.throws(() => s.apply(5, sessionCreateCommand({ ID: id(1), Node: 'n1', Checks: ['disk'] })),
    { code: ErrorCode.Rejected, message: "Check 'disk' is in critical state" }, 'the deprecated Checks are checked too');
  t.throws(() => s.apply(6, sessionCreateCommand({ ID: id(1), Node: 'n1', ServiceChecks: [{ ID: 'disk', Namespace: '' }] })),
    { code: ErrorCode.Rejected, message: "Check 'disk' is in critical state" }, 'and ServiceChecks');
  t.equal(s.sessions.size, 0, 'nothing refused was stored');
  t.equal(s.tableIndex('sessions'), 0);
  t.equal(s.lastIndex, 6, 'refused creates still used their indexes');
});

t.test('create stores the session by ID and by node (case-insensitively) with its own table index', async (t) => {
  const listener = recorder();
  const ev = events();
  const s = new CatalogState(listener, ev.hooks);
  s.apply(1, node('Web-1'));
  s.apply(2, node('web-2'));
  t.equal(s.apply(3, sessionCreateCommand({ ID: id(2), Node: 'web-1', Name: 'lock', LockDelay: 5e9, TTL: '20s', Behavior: 'delete' })), id(2),
    'the result is the session ID');
  s.apply(4, sessionCreateCommand({ ID: id(1), Node: 'WEB-1', NodeChecks: ['SERFHEALTH'] }));
  s.apply(5, sessionCreateCommand({ ID: id(3), Node: 'web-2', NodeChecks: null }));
  t.same(s.sessions.get(id(2)), {
    ID: id(2), Name: 'lock', Node: 'web-1', LockDelay: 5e9, Behavior: 'delete', TTL: '20s', NodeChecks: ['serfHealth'],
    ServiceChecks: null, Checks: null, CreateIndex: 3, ModifyIndex: 3,
  });
  t.same(s.sessions.list().map((x) => x.ID), [id(1), id(2), id(3)], 'listed by ID');
  t.same(s.sessions.nodeSessions('WEB-1').map((x) => x.ID), [id(1), id(2)]);
  t.same(s.sessions.nodeSessions('nobody'), []);
  t.equal(s.tableIndex('sessions'), 5);
  t.equal(s.scopeIndex({ table: 'sessions', match: 'key', key: id(1) }), 5, 'a session key narrows the waiters, the index is the table\'s');
  t.equal(s.tableIndex('nodes'), 2, 'sessions do not move the node indexes');
  t.same(listener.log.filter((l) => l.startsWith('sessions')), [`sessions@3:${id(2)}`, `sessions@4:${id(1)}`, `sessions@5:${id(3)}`]);
  t.same(ev.log, [`created ${id(2)}`, `created ${id(1)}`, `created ${id(3)}`]);
  t.throws(() => s.apply(6, sessionCreateCommand({ ID: id(1), Node: 'web-2' })), { code: ErrorCode.Rejected, message: /already in use/ });
  t.equal(s.sessions.get(id(1))!.Node, 'WEB-1', 'a repeated ID does not replace the session');
});

t.test('destroy is idempotent and releases the keys held, keeping their LockIndex', async (t) => {
  const listener = recorder();
  const ev = events();
  const s = new CatalogState(listener, ev.hooks);
  s.apply(1, node('n1'));
  s.apply(2, sessionCreateCommand({ ID: id(1), Node: 'n1', LockDelay: 7e9 }));
  s.apply(3, sessionCreateCommand({ ID: id(2), Node: 'n1' }));
  s.apply(4, lock('a', id(1), 'A'));
  s.apply(5, lock('b', id(1), 'B'));
  s.apply(6, lock('c', id(2)));
  s.apply(7, { type: 'kv.set', key: 'plain', value: bytes('p'), flags: 3 });
  listener.log.length = 0;
  t.equal(s.apply(8, { type: 'session.destroy', ID: id(1) }), true);
  t.match(s.kv.get('a'), { Session: '', LockIndex: 1, ModifyIndex: 8, CreateIndex: 4 });
  t.equal(Buffer.from(s.kv.get('b')!.Value).toString(), 'B', 'the value stays');
  t.match(s.kv.get('c'), { Session: id(2), ModifyIndex: 6 }, "another session's lock is untouched");
  t.equal(s.tableIndex('kv'), 8);
  t.equal(s.tableIndex('sessions'), 8);
  t.same(listener.log, [`sessions@8:${id(1)}`, 'kv@8:a,b']);
  t.same(ev.released, [{ session: id(1), keys: ['a', 'b'], lockDelayNs: 7e9 }], 'the released keys are reported with the lock delay');
  t.same(s.kv.heldBy(id(1)), []);
  t.equal(s.apply(9, lock('a', id(2))), true, 'a released key can be taken by another session');
  t.match(s.kv.get('a'), { Session: id(2), LockIndex: 2 });

  listener.log.length = 0;
  t.equal(s.apply(10, { type: 'session.destroy', ID: id(1) }), true, 'destroying it again is fine');
  t.same(listener.log, [], 'and changes nothing');
  t.equal(s.tableIndex('sessions'), 8);
  t.same(ev.log.filter((l) => l.startsWith('destroyed')), [`destroyed ${id(1)}`]);
});

t.test('behavior delete deletes the held keys (tombstoned, so prefix watches see it)', async (t) => {
  const s = new CatalogState();
  s.apply(1, node('n1'));
  s.apply(2, sessionCreateCommand({ ID: id(1), Node: 'n1', Behavior: 'delete' }));
  s.apply(3, lock('svc/leader', id(1)));
  s.apply(4, { type: 'session.destroy', ID: id(1) });
  t.equal(s.kv.get('svc/leader'), undefined);
  t.equal(s.kv.keyIndex('svc/leader'), 4);
  t.equal(s.kv.prefixIndex('svc/'), 4);
});

t.test('a lock needs a live session: invalid session "<id>"', async (t) => {
  const s = new CatalogState();
  s.apply(1, node('n1'));
  t.throws(() => s.apply(2, lock('k', 'nope')), { code: ErrorCode.Rejected, message: 'invalid session "nope"' });
  t.equal(s.kv.get('k'), undefined);
  s.apply(3, sessionCreateCommand({ ID: id(1), Node: 'n1' }));
  s.apply(4, { type: 'session.destroy', ID: id(1) });
  t.throws(() => s.apply(5, lock('k', id(1))), { message: `invalid session "${id(1)}"` }, 'nor a destroyed one');
  // Releasing needs no live session: it only compares the holder.
  t.equal(s.apply(6, { type: 'kv.unlock', key: 'k', value: bytes(''), flags: 0, session: id(1) }), false);
});

t.test('invalidation: serfHealth critical destroys the sessions watching it, warning does not', async (t) => {
  const listener = recorder();
  const ev = events();
  const s = new CatalogState(listener, ev.hooks);
  s.apply(1, node('n1'));
  s.apply(2, node('n2'));
  s.apply(3, sessionCreateCommand({ ID: id(1), Node: 'n1' }));
  s.apply(4, sessionCreateCommand({ ID: id(2), Node: 'n1', NodeChecks: [] }));
  s.apply(5, sessionCreateCommand({ ID: id(3), Node: 'n2' }));
  s.apply(6, lock('held', id(1)));
  s.apply(7, node('n1', 'warning'));
  t.equal(s.sessions.size, 3, 'a warning leaves sessions alone');
  listener.log.length = 0;
  s.apply(8, node('n1', 'critical'));
  t.same(s.sessions.list().map((x) => x.ID), [id(2), id(3)], 'only the session watching the check on that node went');
  t.match(s.kv.get('held'), { Session: '', LockIndex: 1, ModifyIndex: 8 });
  t.ok(listener.log.includes(`sessions@8:${id(1)}`));
  t.ok(listener.log.includes('kv@8:held'));
  t.same(ev.released.map((r) => [r.session, r.keys]), [[id(1), ['held']]]);
  t.equal(s.tableIndex('checks'), 8, 'the check change itself is applied too');
  // A session cannot be made on a critical check afterwards.
  t.throws(() => s.apply(9, sessionCreateCommand({ ID: id(4), Node: 'n1' })), { message: "Check 'serfHealth' is in critical state" });
});

t.test('invalidation: deregistering a node, a check or a service takes the sessions depending on them', async (t) => {
  const s = new CatalogState();
  s.apply(1, node('n1', 'passing', {
    Service: serviceRegistration({ ID: 'db', Service: 'db' }),
    Checks: [
      checkRegistration({ CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' }),
      checkRegistration({ CheckID: 'mem', Name: 'mem', Status: 'passing' }),
      checkRegistration({ CheckID: 'db-alive', Name: 'db', Status: 'passing', ServiceID: 'db' }),
    ],
  }));
  s.apply(2, node('n2'));
  s.apply(3, sessionCreateCommand({ ID: id(1), Node: 'n1', NodeChecks: ['mem'] }));
  s.apply(4, sessionCreateCommand({ ID: id(2), Node: 'n1', NodeChecks: [], ServiceChecks: [{ ID: 'db-alive', Namespace: '' }] }));
  s.apply(5, sessionCreateCommand({ ID: id(3), Node: 'n1', NodeChecks: [] }));
  s.apply(6, sessionCreateCommand({ ID: id(4), Node: 'n2', NodeChecks: [] }));
  s.apply(7, deregisterCommand({ Node: 'n1', CheckID: 'mem' }));
  t.same(s.sessions.list().map((x) => x.ID), [id(2), id(3), id(4)], 'a deregistered check takes its sessions');
  s.apply(8, deregisterCommand({ Node: 'n1', ServiceID: 'db' }));
  t.same(s.sessions.list().map((x) => x.ID), [id(3), id(4)], "a deregistered service's checks take theirs");
  t.equal(s.tableIndex('sessions'), 8);
  s.apply(9, deregisterCommand({ Node: 'N1' }));
  t.same(s.sessions.list().map((x) => x.ID), [id(4)], 'a deregistered node takes every session on it, even without checks');
  t.same(s.sessions.nodeSessions('n1'), []);
  t.equal(s.tableIndex('sessions'), 9);
});

t.test('a node renamed away by its ID loses its sessions with it', async (t) => {
  const NODE_ID = '40e4a748-2192-161a-0510-9bf59fe950b5';
  const s = new CatalogState();
  s.apply(1, registerCommand({ Node: 'old', ID: NODE_ID, Address: '10.0.0.1' }));
  s.apply(2, sessionCreateCommand({ ID: id(1), Node: 'old', NodeChecks: [] }));
  s.apply(3, registerCommand({ Node: 'new', ID: NODE_ID, Address: '10.0.0.1' }));
  t.equal(s.registry.node('old'), undefined);
  t.equal(s.sessions.size, 0);
});

t.test('session commands: shape and Consul rules, checked before and after the log', async (t) => {
  const good = sessionCreateCommand({ ID: id(1), Node: 'n1', Name: 'x', TTL: '10s', ServiceChecks: [{ ID: 'a', Namespace: '' }], Checks: ['b'] });
  t.same(decodeCommand(encodeCommand(good)), good, 'round-trips through the log encoding');
  t.same(decodeCommand(encodeCommand({ type: 'session.destroy', ID: id(1) })), { type: 'session.destroy', ID: id(1) });
  const cases: Array<[string, unknown, string, RegExp | string]> = [
    ['no node', { ...good, Node: '' }, ErrorCode.Rejected, 'Must provide Node'],
    ['bad behavior', { ...good, Behavior: 'keep' }, ErrorCode.Rejected, "Invalid Behavior setting 'keep'"],
    ['bad TTL', { ...good, TTL: 'soon' }, ErrorCode.Rejected, `Session TTL 'soon' invalid: time: invalid duration "soon"`],
    ['TTL without unit', { ...good, TTL: '10' }, ErrorCode.Rejected, `Session TTL '10' invalid: time: missing unit in duration "10"`],
    ['ID not a UUID', { ...good, ID: 'abc' }, ErrorCode.BadRequest, /session ID: uuid string is wrong length/],
    ['lock delay not a number', { ...good, LockDelay: '15s' }, ErrorCode.BadRequest, /LockDelay/],
    ['node checks not strings', { ...good, NodeChecks: [1] }, ErrorCode.BadRequest, /NodeChecks/],
    ['service checks malformed', { ...good, ServiceChecks: [{ ID: 1 }] }, ErrorCode.BadRequest, /ID/],
    ['destroy without ID', { type: 'session.destroy', ID: '' }, ErrorCode.Rejected, 'Must provide ID'],
  ];
  for (const [name, cmd, code, message] of cases) t.throws(() => validateCommand(cmd), { code, message }, name);
  const s = new CatalogState();
  t.throws(() => s.apply(1, { ...good, Behavior: 'keep' } as unknown as CatalogCommand), { code: ErrorCode.Rejected }, 'a replica refuses it the same way');
  t.equal(s.lastIndex, 1);
});

t.test("Go's ParseDuration with its error texts", async (t) => {
  t.same(parseGoDurationNs('15s'), { ns: 15e9 });
  t.same(parseGoDurationNs('1h0m0.5s'), { ns: 3600.5e9 });
  t.same(parseGoDurationNs('1.5m'), { ns: 90e9 });
  t.same(parseGoDurationNs('-2ms'), { ns: -2e6 });
  t.same(parseGoDurationNs('300µs'), { ns: 300e3 });
  t.same(parseGoDurationNs('0'), { ns: 0 });
  t.same(parseGoDurationNs('.5s'), { ns: 5e8 });
  t.same(parseGoDurationNs(''), { error: 'time: invalid duration ""' });
  t.same(parseGoDurationNs('s'), { error: 'time: invalid duration "s"' });
  t.same(parseGoDurationNs('5'), { error: 'time: missing unit in duration "5"' });
  t.same(parseGoDurationNs('5d'), { error: 'time: unknown unit "d" in duration "5d"' });
  t.same(parseGoDurationNs('1s2'), { error: 'time: missing unit in duration "1s2"' });
  t.same(parseGoDurationNs('9999999999h'), { error: 'time: invalid duration "9999999999h"' });
});
