import t from 'tap';
import { ConfigLayers, deepMerge, envVarName, exportedConfig, lookupPath } from '../../../lib/supervisor/config/index.js';

const defaults = { port: 8080, http: { listen: '0.0.0.0', timeout: 5, tls: { on: false } }, tags: ['a', 'b'] };

t.test('deepMerge merges tables and replaces scalars and arrays', async (t) => {
  t.same(deepMerge(defaults, { http: { timeout: 9, tls: { cert: 'x' } }, tags: ['c'] }), {
    port: 8080,
    http: { listen: '0.0.0.0', timeout: 9, tls: { on: false, cert: 'x' } },
    tags: ['c'],
  });
  // A table replacing a scalar and vice versa: the later layer wins outright.
  t.same(deepMerge({ a: 1, b: { c: 1 } }, { a: { x: 1 }, b: 2 }), { a: { x: 1 }, b: 2 });
  t.same(defaults.http, { listen: '0.0.0.0', timeout: 5, tls: { on: false } }, 'inputs are not mutated');
});

t.test('deepMerge stops merging past the depth limit', async (t) => {
  t.same(deepMerge({ a: { b: { c: 1, d: 2 } } }, { a: { b: { c: 3 } } }, 1), { a: { b: { c: 3 } } });
});

t.test('env variable names follow Habitat', async (t) => {
  t.equal(envVarName('HAB_', 'my-pkg'), 'HAB_MY_PKG');
});

t.test('layer order: default < HAB_ < CHORUS_ < user.toml < gossip', async (t) => {
  const env = {
    HAB_HELLO: 'port = 1\n[http]\nlisten = "hab"\ntimeout = 1',
    CHORUS_HELLO: '{"port": 2, "http": {"listen": "chorus"}}',
    PATH: '/bin',
  };
  const layers = new ConfigLayers({ pkgName: 'hello', defaults, env });
  t.same(layers.merged(), { port: 2, http: { listen: 'chorus', timeout: 1, tls: { on: false } }, tags: ['a', 'b'] });
  layers.setUserToml('port = 3\n');
  t.equal(layers.merged().port, 3);
  t.equal((layers.merged().http as { listen: string }).listen, 'chorus');
  layers.setGossipToml(1, 'port = 4\n[http.tls]\non = true\n');
  t.same(layers.merged(), { port: 4, http: { listen: 'chorus', timeout: 1, tls: { on: true } }, tags: ['a', 'b'] });
  layers.setUserToml(undefined);
  t.equal(layers.merged().port, 4);
  t.same(layers.gossip, { version: 1, value: { port: 4, http: { tls: { on: true } } } });
});

t.test('without env or user layers cfg is default.toml', async (t) => {
  const layers = new ConfigLayers({ pkgName: 'hello', defaults });
  t.same(layers.merged(), defaults);
  t.equal(layers.merged(), layers.merged(), 'cached until a layer changes');
});

t.test('a gossiped version not higher than the current is refused', async (t) => {
  const layers = new ConfigLayers({ pkgName: 'hello', defaults });
  layers.setGossipToml(5, 'port = 5');
  t.throws(() => layers.setGossipToml(5, 'port = 6'), { code: 'CONFLICT', message: /version 5 is not higher than the current version 5/ });
  t.throws(() => layers.setGossipToml(4, 'port = 6'), { code: 'CONFLICT' });
  t.equal(layers.merged().port, 5, 'refused versions leave cfg alone');
  layers.setGossipToml(6, 'port = 6');
  t.equal(layers.merged().port, 6);
  t.throws(() => layers.setGossip(-1, {}), { code: 'BAD_REQUEST' });
  t.throws(() => layers.setGossip(1.5, {}), { code: 'BAD_REQUEST' });
});

t.test('bad layers are refused with where and which line', async (t) => {
  t.throws(() => new ConfigLayers({ pkgName: 'hello', defaults, env: { HAB_HELLO: 'port = \n' } }), {
    code: 'INVALID_CONFIG',
    message: /HAB_HELLO is neither TOML \(line 1: .*\) nor a JSON object/,
  });
  t.throws(() => new ConfigLayers({ pkgName: 'hello', defaults, env: { CHORUS_HELLO: '[1, 2]' } }), { code: 'INVALID_CONFIG' });
  const layers = new ConfigLayers({ pkgName: 'hello', defaults });
  t.throws(() => layers.setUserToml('a = 1\nb = = 2\n', '/d/user.toml'), { message: /^\/d\/user\.toml:2:\d+: invalid TOML/ });
  t.throws(() => layers.setGossipToml(1, '[x'), { message: /^config version 1:1:\d+: invalid TOML/ });
  t.equal(layers.gossip, undefined);
});

t.test('exported config picks the manifest paths', async (t) => {
  t.same(exportedConfig(defaults, { port: 'port', listen: 'http.listen', gone: 'http.nope' }), { port: 8080, listen: '0.0.0.0' });
  t.equal(lookupPath(defaults, 'http.tls.on'), false);
  t.equal(lookupPath(defaults, 'port.x'), undefined);
  t.equal(lookupPath({ a: {} }, 'toString'), undefined, 'no prototype keys');
});
