import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerKv, formatEntries, formatKeys, parseUintOption } from '../../../lib/cli/kv.js';
import { resolveHttpTarget } from '../../../lib/config/index.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import { runHttpCli } from '../../helpers/cli.js';
import { serveConsul } from '../../helpers/consul.js';

t.test('resolveHttpTarget: flag, CHORUS_*, CONSUL_*, default', async (t) => {
  t.same(resolveHttpTarget({}, {}), { baseUrl: 'http://127.0.0.1:9631', token: undefined });
  t.equal(resolveHttpTarget({}, { CONSUL_HTTP_ADDR: '10.0.0.1:8500' }).baseUrl, 'http://10.0.0.1:8500', 'no scheme means http');
  t.equal(resolveHttpTarget({}, { CONSUL_HTTP_ADDR: 'x:1', CHORUS_HTTP_ADDR: 'https://y:2/' }).baseUrl, 'https://y:2', 'CHORUS_ wins');
  t.equal(resolveHttpTarget({ httpAddr: 'http://z:3' }, { CHORUS_HTTP_ADDR: 'y:2' }).baseUrl, 'http://z:3', 'the flag wins');
  t.equal(resolveHttpTarget({}, { CONSUL_HTTP_TOKEN: 'c' }).token, 'c');
  t.equal(resolveHttpTarget({}, { CONSUL_HTTP_TOKEN: 'c', CHORUS_HTTP_TOKEN: 'h' }).token, 'h');
  t.equal(resolveHttpTarget({ token: 'f' }, { CHORUS_HTTP_TOKEN: 'h' }).token, 'f');
  t.throws(() => resolveHttpTarget({ httpAddr: 'ftp://x' }, {}), { code: ErrorCode.InvalidConfig, message: /--http-addr: "ftp:\/\/x"/ });
  t.throws(() => resolveHttpTarget({}, { CHORUS_HTTP_ADDR: 'http://' }), { message: /from the environment/ });
});

t.test('formatting and option parsing', async (t) => {
  const e = (Key: string, v: string | null) => ({ LockIndex: 0, Key, Flags: 0, Value: v === null ? null : Buffer.from(v).toString('base64'), CreateIndex: 1, ModifyIndex: 1 });
  t.equal(formatEntries([e('a', 'hello')], false), 'hello\n');
  t.equal(formatEntries([e('a', null)], false), '\n', 'an empty value prints an empty line');
  t.equal(formatEntries([e('a/1', 'x'), e('a/2', null)], true), 'a/1:x\na/2:\n');
  t.equal(formatKeys(['a/', 'b']), 'a/\nb\n');
  t.equal(formatKeys([]), '');
  t.equal(parseUintOption('cas')('12'), 12);
  t.throws(() => parseUintOption('cas')('-1'), { code: ErrorCode.BadRequest, message: /--cas/ });
  t.throws(() => parseUintOption('flags')('1e3'), { code: ErrorCode.BadRequest });
  t.throws(() => parseUintOption('flags')('99999999999999999999'), { code: ErrorCode.BadRequest });
});

/** Runs `chorus kv ...` in-process against the given server; returns stdout as a string. */
async function kv(url: string, args: string[], stdin = '', env: Record<string, string> = {}): Promise<string> {
  return runHttpCli(registerKv, url, ['kv', ...args], stdin, env);
}

t.test('chorus kv round trip against the routes', async (t) => {
  const s = await serveConsul(t);
  t.equal(await kv(s.url, ['put', 'app/name', 'chorus']), 'Success! Data written to: app/name\n');
  t.equal(await kv(s.url, ['put', 'app/stdin', '-'], 'from stdin'), 'Success! Data written to: app/stdin\n');
  const dir = await mkdtemp(join(tmpdir(), 'chorus-kv-'));
  await writeFile(join(dir, 'v'), Buffer.from([1, 2, 3]));
  await kv(s.url, ['put', 'app/sub/file', `@${join(dir, 'v')}`, '--flags', '7']);
  await kv(s.url, ['put', 'app/empty']);
  t.equal(await kv(s.url, ['get', 'app/name']), 'chorus\n');
  t.equal(await kv(s.url, ['get', 'app/sub/file', '--raw']), '\u0001\u0002\u0003');
  t.equal(await kv(s.url, ['get', 'app/', '--recurse']), 'app/empty:\napp/name:chorus\napp/stdin:from stdin\napp/sub/file:\u0001\u0002\u0003\n');
  t.equal(await kv(s.url, ['get', 'app/', '--keys']), 'app/empty\napp/name\napp/stdin\napp/sub/\n');
  t.equal(await kv(s.url, ['list', 'app/', '--separator', '']), 'app/empty\napp/name\napp/stdin\napp/sub/file\n');
  t.equal(await kv(s.url, ['list']), 'app/\n');
  t.equal(s.backend.state.kv.get('app/sub/file')!.Flags, 7);

  const modify = s.backend.state.kv.get('app/name')!.ModifyIndex;
  await t.rejects(kv(s.url, ['put', 'app/name', 'x', '--cas', String(modify + 100)]), { code: ErrorCode.Conflict, message: 'Did not write to app/name: CAS failed' });
  t.equal(await kv(s.url, ['put', 'app/name', 'y', '--cas', String(modify)]), 'Success! Data written to: app/name\n');
  await t.rejects(kv(s.url, ['get', 'nope']), { code: ErrorCode.NotFound, message: 'No key exists at: nope' });
  await t.rejects(kv(s.url, ['get', 'nope', '--raw']), { code: ErrorCode.NotFound });
  await t.rejects(kv(s.url, ['get']), { code: ErrorCode.BadRequest });
  await t.rejects(kv(s.url, ['delete', 'app/name', '--cas', '1']), { code: ErrorCode.Conflict });
  t.equal(await kv(s.url, ['delete', 'app/name']), 'Success! Deleted key: app/name\n');
  await t.rejects(kv(s.url, ['delete', 'app/', '--recurse', '--cas', '1']), { code: ErrorCode.BadRequest });
  t.equal(await kv(s.url, ['delete', 'app/', '--recurse']), 'Success! Deleted keys with prefix: app/\n');
  t.equal(await kv(s.url, ['list']), '');
});

t.test('keys with spaces, % and ? survive the trip', async (t) => {
  const s = await serveConsul(t);
  await kv(s.url, ['put', 'odd/a b%c?d#e', 'v']);
  t.ok(s.backend.state.kv.get('odd/a b%c?d#e'));
  t.equal(await kv(s.url, ['get', 'odd/a b%c?d#e']), 'v\n');
});

t.test('the token is sent as bearer and X-Consul-Token', async (t) => {
  const s = await serveConsul(t, { authToken: 'sekrit' });
  await t.rejects(kv(s.url, ['list']), { code: ErrorCode.Unauthorized });
  t.equal(await kv(s.url, ['put', 'k', 'v'], '', { CONSUL_HTTP_TOKEN: 'sekrit' }), 'Success! Data written to: k\n');
});

t.test('an unreachable server is a clear Unavailable error', async (t) => {
  await t.rejects(kv('http://127.0.0.1:9', ['list']), { code: ErrorCode.Unavailable, message: /cannot reach the HTTP API at http:\/\/127.0.0.1:9/ });
});
