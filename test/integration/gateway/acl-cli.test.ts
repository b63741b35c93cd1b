import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerAcl } from '../../../lib/cli/acl.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import { runHttpCli } from '../../helpers/cli.js';
import { serveWithAcl } from '../../helpers/acl.js';

/** Runs `chorus acl ...` in-process; returns stdout. */
async function acl(url: string, args: string[], env: Record<string, string> = {}, stdin = ''): Promise<string> {
  return runHttpCli(registerAcl, url, ['acl', ...args], stdin, env);
}

t.test('chorus acl: create (rules as text, @file and stdin), list, info, clone, update, destroy', async (t) => {
  const s = await serveWithAcl(t);
  const id = (await acl(s.url, ['create', '--name', 'app', '--rules', 'key "app/" { policy = "write" }', '--token', 'root'])).trim();
  t.match(id, /^[0-9a-f-]{36}$/);
  t.same(s.backend.state.acl.get(id)!.Rules, 'key "app/" { policy = "write" }');

  const dir = await mkdtemp(join(tmpdir(), 'chorus-acl-'));
  await writeFile(join(dir, 'rules.hcl'), 'key "" { policy = "read" }\n');
  const fromFile = (await acl(s.url, ['create', '--name', 'reader', '--rules', `@${join(dir, 'rules.hcl')}`], { CHORUS_HTTP_TOKEN: 'root' })).trim();
  t.equal(s.backend.state.acl.get(fromFile)!.Rules, 'key "" { policy = "read" }\n', 'token from CHORUS_HTTP_TOKEN, rules from a file');
  const fromStdin = (await acl(s.url, ['create', '--type', 'management', '--rules', '-', '--id', 'ops'], { CONSUL_HTTP_TOKEN: 'root' }, '# none')).trim();
  t.equal(fromStdin, 'ops');
  t.same([s.backend.state.acl.get('ops')!.Type, s.backend.state.acl.get('ops')!.Rules], ['management', '# none']);

  const list = await acl(s.url, ['list', '--token', 'root']);
  t.match(list, /^anonymous\tclient\tAnonymous Token$/m);
  t.match(list, new RegExp(`^${id}\\tclient\\tapp$`, 'm'));
  t.match(list, /^root\tmanagement\tMaster Token$/m);

  const info = await acl(s.url, ['info', id]);
  t.match(info, new RegExp(`^ID: +${id}$`, 'm'));
  t.match(info, /^Rules:\nkey "app\/" \{ policy = "write" \}\n$/m);

  const cloned = (await acl(s.url, ['clone', id, '--token', 'root'])).trim();
  t.equal(s.backend.state.acl.get(cloned)!.Name, 'app');
  t.equal(await acl(s.url, ['update', cloned, '--name', 'renamed', '--rules', 'key "x/" { policy = "read" }', '--token', 'root']), `Success! Updated token: ${cloned}\n`);
  t.equal(s.backend.state.acl.get(cloned)!.Name, 'renamed');
  t.equal(await acl(s.url, ['destroy', cloned, '--token', 'root']), `Success! Destroyed token: ${cloned}\n`);
  t.equal(s.backend.state.acl.get(cloned), undefined);
});

t.test('chorus acl errors: the server refusal, bad flags, missing tokens', async (t) => {
  const s = await serveWithAcl(t);
  await t.rejects(acl(s.url, ['list']), { code: ErrorCode.Forbidden, message: 'GET /v1/acl/list failed: 403 Permission denied' });
  await t.rejects(acl(s.url, ['create', '--rules', 'key "a" {', '--token', 'root']), { code: ErrorCode.BadRequest, message: /400 ACL rule compilation failed: Failed to parse ACL rules/ });
  await t.rejects(acl(s.url, ['create', '--type', 'root', '--token', 'root']), { code: ErrorCode.BadRequest, message: /--type/ });
  await t.rejects(acl(s.url, ['create', '--rules', '@/no/such/file', '--token', 'root']), { code: ErrorCode.BadRequest, message: /cannot read rules from \/no\/such\/file: ENOENT/ });
  await t.rejects(acl(s.url, ['info', 'missing']), { code: ErrorCode.NotFound, message: 'No token with ID missing' });
  await t.rejects(acl('http://127.0.0.1:1', ['list']), { code: ErrorCode.Unavailable });
  const off = await serveWithAcl(t, { enabled: false });
  await t.rejects(acl(off.url, ['list', '--token', 'root']), { code: ErrorCode.Unauthorized, message: /401 ACL support disabled/ });
});
