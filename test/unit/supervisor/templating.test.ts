import t from 'tap';
import Handlebars from 'handlebars';
import { parse as parseToml } from 'smol-toml';
import { TemplateRenderer } from '../../../lib/supervisor/templating/index.js';

const renderer = new TemplateRenderer();
const render = (source: string, context: Record<string, unknown>): string => renderer.compile('tpl', source).render(context);

const member = (id: string, alive: boolean, ip: string) => ({ member_id: id, alive, sys: { ip }, cfg: { port: 80 } });

t.test('output is not HTML-escaped', async (t) => {
  t.equal(render('{{cfg.x}}', { cfg: { x: `<a href="x">&'` } }), `<a href="x">&'`);
});

t.test('strict mode: a missing key is an error naming file and line', async (t) => {
  const tpl = renderer.compile('/pkg/config/app.conf', 'a = 1\nb = {{cfg.missing}}\n');
  t.throws(() => tpl.render({ cfg: {} }), { code: 'INVALID_CONFIG', message: /^\/pkg\/config\/app\.conf:2(:\d+)?: cannot render template: "missing" not defined/ });
  // Conditionals on optional keys stay usable, as in Habitat packages.
  t.equal(render('{{#if cfg.missing}}yes{{else}}no{{/if}}', { cfg: {} }), 'no');
});

t.test('an unknown helper is a render error', async (t) => {
  t.throws(() => render('{{nope cfg.x}}', { cfg: { x: 1 } }), { message: /"nope" not defined/ });
});

t.test('toToml renders tables as TOML and scalars as TOML values', async (t) => {
  const out = render('{{toToml cfg.section}}', { cfg: { section: { a: 1, b: 'two', c: { d: true } } } });
  t.same(parseToml(out), { a: 1, b: 'two', c: { d: true } });
  t.equal(render('x = {{toToml cfg.s}}', { cfg: { s: 'q"uote' } }), 'x = "q\\"uote"');
  t.equal(render('x = {{toToml cfg.n}}', { cfg: { n: 5 } }), 'x = 5');
});

t.test('toJson renders pretty JSON', async (t) => {
  const out = render('{{toJson cfg}}', { cfg: { a: [1, 2], b: { c: 'd' } } });
  t.same(JSON.parse(out), { a: [1, 2], b: { c: 'd' } });
  t.match(out, /\n  "a"/);
});

t.test('eachAlive iterates alive members only, with @first/@last and else', async (t) => {
  const members = [member('a', true, '10.0.0.1'), member('b', false, '10.0.0.2'), member('c', true, '10.0.0.3')];
  const ctx = { bind: { backend: { members } } };
  t.equal(
    render('{{#eachAlive bind.backend.members as |m|}}{{m.sys.ip}}:{{m.cfg.port}}{{#unless @last}},{{/unless}}{{/eachAlive}}', ctx),
    '10.0.0.1:80,10.0.0.3:80',
  );
  t.equal(render('{{#eachAlive bind.backend.members}}{{@index}}{{#if @first}}F{{/if}}{{sys.ip}} {{/eachAlive}}', ctx), '0F10.0.0.1 110.0.0.3 ');
  t.equal(render('{{#eachAlive m}}x{{else}}none{{/eachAlive}}', { m: [member('b', false, '1')] }), 'none');
});

t.test('string helpers', async (t) => {
  t.equal(render('{{strJoin cfg.l ","}}', { cfg: { l: ['a', 'b', 3] } }), 'a,b,3');
  t.equal(render('{{strReplace cfg.s "-" "_"}}', { cfg: { s: 'a-b-c' } }), 'a_b_c');
  t.equal(render('{{toUppercase cfg.s}}{{toLowercase cfg.t}}', { cfg: { s: 'ab', t: 'CD' } }), 'ABcd');
  t.equal(render('{{strConcat "a" cfg.s "c"}}', { cfg: { s: 'b' } }), 'abc');
  t.throws(() => render('{{strJoin cfg.s ","}}', { cfg: { s: 'x' } }), { message: /strJoin expects a list/ });
});

t.test('pkgPathFor resolves deps and the package itself', async (t) => {
  const pkg = { origin: 'chorus', name: 'hello', path: '/pkgs/hello', deps: [{ origin: 'core', name: 'node', version: '20', path: '/usr' }] };
  t.equal(render('{{pkgPathFor "core/node"}}/bin/node', { pkg }), '/usr/bin/node');
  t.equal(render('{{pkgPathFor "core/node/20"}}', { pkg }), '/usr');
  t.equal(render('{{pkgPathFor "chorus/hello"}}', { pkg }), '/pkgs/hello');
  t.throws(() => render('{{pkgPathFor "core/nope"}}', { pkg }), { message: /'core\/nope' is not a dependency/ });
});

t.test('helpers live in an isolated environment, not the global Handlebars', async (t) => {
  t.equal(Handlebars.helpers.toToml, undefined);
  t.equal(Handlebars.helpers.eachAlive, undefined);
});
