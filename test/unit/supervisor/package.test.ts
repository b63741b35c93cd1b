import t from 'tap';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadPackage } from '../../../lib/supervisor/package/index.js';
import { isChorusError } from '../../../lib/core/errors.js';

const MANIFEST = `name = "hello"
origin = "chorus"
version = "0.1.0"
exposes = ["port"]

[exports]
port = "port"

[binds]
backend = ["port"]
`;

async function writePackage(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-pkg-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries(files)) {
    if (text === undefined) continue;
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

const GOOD = {
  'package.toml': MANIFEST,
  'default.toml': 'port = 8080\n[log]\nlevel = "info"\n',
  'hooks/run': '#!/bin/sh\nexec node {{pkg.path}}/server.js {{cfg.port}}\n',
  'hooks/health-check': '#!/bin/sh\nexit 0\n',
  'config/app.json': '{"port": {{cfg.port}} }\n',
  'config/nested/log.conf': 'level={{cfg.log.level}}\n',
};

async function refusal(_t: unknown, files: Record<string, string>): Promise<{ message: string; details: Record<string, unknown> }> {
  const dir = await writePackage(files);
  try {
    await loadPackage(dir);
  } catch (err) {
    if (!isChorusError(err)) throw err;
    return { message: err.message, details: err.details };
  }
  throw new Error('package was accepted');
}

t.test('a well-formed package loads with all its parts', async (t) => {
  const dir = await writePackage(GOOD);
  const pkg = await loadPackage(dir);
  t.same(pkg.ident, { origin: 'chorus', name: 'hello', version: '0.1.0', release: undefined });
  t.equal(pkg.dir, dir);
  t.same(pkg.manifest.exports, { port: 'port' });
  t.same(pkg.manifest.binds, { backend: ['port'] });
  t.same(pkg.manifest.bindsOptional, {});
  t.equal(pkg.manifest.shutdownSignal, 'TERM');
  t.equal(pkg.manifest.shutdownTimeoutSec, 8);
  t.same(pkg.defaults, { port: 8080, log: { level: 'info' } });
  t.same(Object.keys(pkg.hooks).sort(), ['health-check', 'run']);
  t.same(pkg.configTemplates.map((c) => c.relPath), ['app.json', 'nested/log.conf']);
});

t.test('a package without default.toml or config/ is fine', async (t) => {
  const dir = await writePackage({
    'package.toml': 'name = "bare"\norigin = "o"\nversion = "1"\n',
    'hooks/run': '#!/bin/sh\nsleep 1\n',
  });
  const pkg = await loadPackage(dir);
  t.same(pkg.defaults, {});
  t.same(pkg.configTemplates, []);
});

t.test('a missing directory is NotFound', async (t) => {
  await t.rejects(loadPackage('/nonexistent/chorus/pkg'), { code: 'NOT_FOUND' });
});

t.test('a missing manifest is refused naming the file', async (t) => {
  const { message, details } = await refusal(t, { ...GOOD, 'package.toml': undefined as unknown as string });
  t.match(message, /package\.toml: missing package manifest/);
  t.match(String(details.file), /package\.toml$/);
});

t.test('malformed manifest TOML is refused with file and line', async (t) => {
  const { message, details } = await refusal(t, { ...GOOD, 'package.toml': 'name = "x"\norigin = \nversion="1"\n' });
  t.match(message, /package\.toml:2:\d+: invalid TOML/);
  t.equal(details.line, 2);
});

t.test('manifest schema errors name the key and its line', async (t) => {
  let r = await refusal(t, { ...GOOD, 'package.toml': 'name = "x"\norigin = "o"\n' });
  t.match(r.message, /package\.toml: version: /);
  r = await refusal(t, { ...GOOD, 'package.toml': 'name = "x"\norigin = "bad/origin"\nversion = "1"\n' });
  t.match(r.message, /package\.toml:2: origin: must be letters/);
  r = await refusal(t, { ...GOOD, 'package.toml': 'name = "x"\norigin = "o"\nversion = "1"\nbogus = 1\n' });
  t.match(r.message, /package\.toml:4: unknown key 'bogus'/);
  r = await refusal(t, { ...GOOD, 'package.toml': 'name = "x"\norigin = "o"\nversion = "1"\n[binds]\ndb = []\n' });
  t.match(r.message, /package\.toml:5: binds\.db: must list at least one/);
  r = await refusal(t, {
    ...GOOD,
    'package.toml': 'name = "x"\norigin = "o"\nversion = "1"\n[binds]\ndb = ["p"]\n[binds_optional]\ndb = ["p"]\n',
  });
  t.match(r.message, /package\.toml:7: bind 'db' is declared in both/);
});

t.test('exports and exposes must resolve in default.toml', async (t) => {
  let r = await refusal(t, { ...GOOD, 'default.toml': 'other = 1\n', 'config/app.json': 'x', 'config/nested/log.conf': 'x' });
  t.match(r.message, /package\.toml:7: export 'port' names cfg key 'port'/);
  r = await refusal(t, {
    ...GOOD,
    'package.toml': 'name = "x"\norigin = "o"\nversion = "1"\nexposes = ["http.port"]\n',
    'default.toml': '[http]\nport = [1]\n',
  });
  t.match(r.message, /package\.toml:4: exposes names cfg key 'http\.port'/);
});

t.test('bad default.toml is refused with file and line', async (t) => {
  const { message, details } = await refusal(t, { ...GOOD, 'default.toml': 'port = 8080\n[log\nlevel = 1\n' });
  t.match(message, /default\.toml:2:\d+: invalid TOML/);
  t.equal(details.line, 2);
});

t.test('a template with a syntax error is refused with file and line', async (t) => {
  let r = await refusal(t, { ...GOOD, 'config/app.json': '{\n  "port": {{cfg.port}\n}\n' });
  t.match(r.message, /config\/app\.json:2: cannot parse template/);
  r = await refusal(t, { ...GOOD, 'hooks/health-check': '#!/bin/sh\n{{#if cfg.x}}\n{{/each}}\n' });
  t.match(r.message, /hooks\/health-check:2(:\d+)?: cannot parse template: if doesn't match each/);
});

t.test('hooks: run is required and unknown names are refused', async (t) => {
  let r = await refusal(t, { ...GOOD, 'hooks/run': undefined as unknown as string });
  t.match(r.message, /hooks\/run: missing run hook/);
  r = await refusal(t, { ...GOOD, 'hooks/healthcheck': '#!/bin/sh\n' });
  t.match(r.message, /hooks\/healthcheck: unknown hook 'healthcheck'/);
  const dir = await writePackage({ 'package.toml': 'name = "x"\norigin = "o"\nversion = "1"\n' });
  await t.rejects(loadPackage(dir), { message: /hooks: missing hooks\/ directory/ });
});
