import t from 'tap';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { chorus, freeNodePorts, runChorus, supRunArgs, type RunningProcess } from '../helpers/proc.js';

async function startNode(t: { teardown(fn: () => unknown): void }, dataDir: string, env: Record<string, string> = {}, extra: string[] = []) {
  const ports = await freeNodePorts();
  const proc = runChorus(supRunArgs(dataDir, ports, extra), env);
  t.teardown(() => { if (proc.child.exitCode === null) proc.child.kill('SIGKILL'); });
  await proc.waitForLine(/Starting http-gateway on/);
  return { proc, ports, url: `http://127.0.0.1:${ports.http}` };
}

function messages(proc: RunningProcess): string[] {
  return proc.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).msg as string);
}

t.test('seed 000 without a token: GET /services is 200 [] as JSON; start-up log in Habitat order', async (t) => {
  const dir = t.testdir({});
  const { proc, ports, url } = await startNode(t, dir);
  const res = await fetch(`${url}/services`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  t.equal(await res.text(), '[]');
  const msgs = messages(proc);
  const memberId = (await readFile(join(dir, 'MEMBER_ID'), 'utf8')).trim();
  t.same(msgs.slice(0, 4), [
    `Supervisor Member-ID ${memberId}`,
    `Starting gossip-listener on 127.0.0.1:${ports.gossip}`,
    `Starting ctl-gateway on 127.0.0.1:${ports.ctl}`,
    `Starting http-gateway on 127.0.0.1:${ports.http}`,
  ]);
  proc.child.kill('SIGTERM');
  t.equal(await proc.exited, 0);
});

t.test('seed 000 with HAB_SUP_GATEWAY_AUTH_TOKEN: 401 with content-length 0 unless the bearer token is right', async (t) => {
  const { proc, url } = await startNode(t, t.testdir({}), { HAB_SUP_GATEWAY_AUTH_TOKEN: 'sekret' });
  const none = await fetch(`${url}/services`);
  t.equal(none.status, 401);
  t.equal(none.headers.get('content-length'), '0');
  t.equal(none.headers.get('www-authenticate'), null);
  t.equal(await none.text(), '');
  const wrong = await fetch(`${url}/services`, { headers: { Authorization: 'Bearer nope' } });
  t.equal(wrong.status, 401);
  t.equal(wrong.headers.get('content-length'), '0');
  const right = await fetch(`${url}/services`, { headers: { Authorization: 'Bearer sekret' } });
  t.equal(right.status, 200);
  t.equal(right.headers.get('content-type'), 'application/json');
  t.equal(await right.text(), '[]');
  proc.child.kill('SIGTERM');
  t.equal(await proc.exited, 0);
});

/** The nice value of each thread of a process, from /proc (field 19 of each task's stat). */
async function threadNice(pid: number): Promise<Map<number, number>> {
  const tids = await readdir(`/proc/${pid}/task`);
  const nice = new Map<number, number>();
  for (const tid of tids) nice.set(Number(tid), Number((await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[16]));
  return nice;
}

t.test('helper threads run below the main thread (--background-nice; 0 turns it off)', { skip: process.platform !== 'linux' && 'thread priorities are read from /proc (Linux)' }, async (t) => {
  const lowered = await startNode(t, t.testdir({}), {}, ['--background-nice', '6']);
  await lowered.proc.waitForLine(/Supervisor started/);
  const nice = await threadNice(lowered.proc.child.pid!);
  t.equal(nice.get(lowered.proc.child.pid!), 0, 'the main thread keeps its priority');
  const helpers = [...nice].filter(([tid]) => tid !== lowered.proc.child.pid);
  t.ok(helpers.length >= 4, `${helpers.length} helper threads`);
  t.ok(helpers.every(([, n]) => n === 6), JSON.stringify(helpers));

  const off = await startNode(t, t.testdir({}), { CHORUS_BACKGROUND_NICE: '0' });
  await off.proc.waitForLine(/Supervisor started/);
  t.ok([...(await threadNice(off.proc.child.pid!)).values()].every((n) => n === 0), 'all threads at nice 0');
  for (const { proc } of [lowered, off]) {
    proc.child.kill('SIGTERM');
    t.equal(await proc.exited, 0);
  }
});

t.test('pretty logs read like the seed', async (t) => {
  const { proc } = await startNode(t, t.testdir({}), {}, ['--log-format', 'pretty']);
  t.match(proc.stdout[0], /^chorus-sup\(MR\): Supervisor Member-ID [0-9a-f]{32}$/);
  t.match(proc.stdout[1], /^chorus-sup\(MR\): Starting gossip-listener on 127\.0\.0\.1:\d+$/);
  proc.child.kill('SIGINT');
  t.equal(await proc.exited, 0);
});

t.test('bad flag values exit 2 with one line naming the flag', async (t) => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--listen-http', 'nowhere'], {}, /^chorus: invalid value for --listen-http: expected HOST:PORT, the port is missing$/],
    [['--listen-gossip', '127.0.0.1:70000'], {}, /^chorus: invalid value for --listen-gossip: port 70000/],
    [['--bootstrap-expect', '3'], {}, /^chorus: invalid value for --bootstrap-expect: only a server/],
    [['--log-level', 'chatty'], {}, /^chorus: invalid value for --log-level: must be one of/],
    [[], { HAB_LISTEN_HTTP: 'x:y:z' }, /^chorus: invalid value for --listen-http \(from HAB_LISTEN_HTTP\)/],
    [['--no-such-flag'], {}, /unknown option '--no-such-flag'/],
    [['--listen-http'], {}, /option '--listen-http <value>' argument missing/],
  ];
  for (const [flags, env, pattern] of cases) {
    const r = await chorus(['sup', 'run', '--data-dir', t.testdir({}), ...flags], env);
    t.equal(r.code, 2, `${flags.join(' ')} exits 2`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    t.equal(lines.length, 1, `one line: ${r.stderr}`);
    t.match(lines[0], pattern);
    t.equal(r.stdout, '', 'nothing started');
  }
});

t.test('a busy port gives a message naming the address and a non-zero exit', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((r) => blocker.close(r)));
  const busy = (blocker.address() as { port: number }).port;
  const ports = await freeNodePorts();
  const dir = t.testdir({});
  const r = await chorus(supRunArgs(dir, { ...ports, http: busy }));
  t.not(r.code, 0);
  t.match(r.stderr, `chorus: cannot start http-gateway: address 127.0.0.1:${busy} is already in use`);
  const r2 = await chorus(supRunArgs(dir, { ...ports, ctl: busy }));
  t.not(r2.code, 0);
  t.match(r2.stderr, `cannot start ctl-gateway: address 127.0.0.1:${busy} is already in use`);
  const r3 = await chorus(supRunArgs(dir, { ...ports, gossip: busy }));
  t.not(r3.code, 0);
  t.match(r3.stderr, `cannot start gossip-listener (TCP): address 127.0.0.1:${busy} is already in use`);
  // The failed starts released the data directory.
  const ok = runChorus(supRunArgs(dir, ports));
  await ok.waitForLine(/Starting http-gateway/);
  ok.child.kill('SIGTERM');
  t.equal(await ok.exited, 0);
});

t.test('a second process on the same data directory refuses to start', async (t) => {
  const dir = t.testdir({});
  const { proc } = await startNode(t, dir);
  const second = await chorus(supRunArgs(dir, await freeNodePorts()));
  t.not(second.code, 0);
  t.match(second.stderr, `data directory ${dir} is in use by another chorus process (pid ${proc.child.pid})`);
  proc.child.kill('SIGTERM');
  t.equal(await proc.exited, 0);
});

t.test('SIGTERM stops cleanly within 5 s: exit 0, ports free again, lock gone', async (t) => {
  const dir = t.testdir({});
  const { proc, ports, url } = await startNode(t, dir);
  // An idle keep-alive connection must not hold the stop up.
  await fetch(`${url}/services`);
  const started = Date.now();
  proc.child.kill('SIGTERM');
  t.equal(await proc.exited, 0);
  t.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
  t.match(messages(proc).at(-1), 'Supervisor stopped');
  await t.rejects(readFile(join(dir, 'LOCK')), { code: 'ENOENT' });
  // The same ports can be bound at once.
  const again = runChorus(supRunArgs(dir, ports));
  await again.waitForLine(/Starting http-gateway/);
  again.child.kill('SIGTERM');
  t.equal(await again.exited, 0);
});

t.test('the member id survives a restart, also after kill -9', async (t) => {
  const dir = t.testdir({});
  const first = await startNode(t, dir);
  const id1 = messages(first.proc)[0];
  first.proc.child.kill('SIGKILL');
  await first.proc.exited;
  const second = await startNode(t, dir);
  t.equal(messages(second.proc)[0], id1);
  second.proc.child.kill('SIGTERM');
  t.equal(await second.proc.exited, 0);
});

t.test('chorus sup term stops a node; a wrong secret is refused', async (t) => {
  const dir = t.testdir({});
  const { proc, ports } = await startNode(t, dir);
  const wrong = await chorus(['sup', 'term', '-r', `127.0.0.1:${ports.ctl}`], { CHORUS_CTL_SECRET: 'wrong' });
  t.equal(wrong.code, 1);
  t.match(wrong.stderr, /refused the control secret/);
  t.equal(proc.child.exitCode, null, 'still running');
  const noSecret = await chorus(['sup', 'term', '-r', `127.0.0.1:${ports.ctl}`, '--data-dir', await mkdtemp(join(tmpdir(), 'chorus-empty-'))]);
  t.equal(noSecret.code, 1);
  t.match(noSecret.stderr, /no control secret/);
  const ok = await chorus(['sup', 'term', '-r', `127.0.0.1:${ports.ctl}`, '--data-dir', dir]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, 'Supervisor stopping.');
  t.equal(await proc.exited, 0);
  const gone = await chorus(['sup', 'term', '-r', `127.0.0.1:${ports.ctl}`, '--data-dir', dir]);
  t.equal(gone.code, 1);
  t.match(gone.stderr, /cannot connect to the supervisor/);
});
