import t from 'tap';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// A new member joins the ring as soon as gossip is up; the rest of the node
// (Koa, supervisor, Raft, agent) is imported afterwards (lib/node/parts.ts).
// These checks walk the compiled static imports so that a stray top-level
// import cannot quietly put those modules back on the path to joining.
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);

/** Every module reached from `entry` through static imports (dynamic import() is not followed). */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.startsWith(dist)) return; // a package: its own imports are not ours to walk
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      visit(spec.startsWith('.') ? resolve(dirname(file), spec) : `package:${spec}`);
    }
  };
  visit(entry);
  return seen;
}

const reaches = (closure: Set<string>, pattern: RegExp): string[] => [...closure].filter((f) => pattern.test(f.startsWith(dist) ? f.slice(dist.length) : f));

t.test('the node reaches gossip without loading the gateway, supervisor, Raft or agent', async (t) => {
  const closure = staticClosure(resolve(dist, 'lib/node.js'));
  t.ok(closure.has(resolve(dist, 'lib/butterfly/index.js')), 'gossip is loaded up front');
  t.same(reaches(closure, /^\/lib\/(gateway|supervisor|raft|catalog|agent|ctl)\//), [], 'none of the later parts');
  t.same(reaches(closure, /^package:(koa|@koa\/router|zod|handlebars)$/), [], 'none of their packages');
  t.ok(require.resolve('koa'), 'koa is installed (the check above is not vacuous)');
});

t.test('the CLI loads the node only for sup run, and no config parser needs zod', async (t) => {
  const closure = staticClosure(resolve(dist, 'bin/chorus.js'));
  t.ok(closure.has(resolve(dist, 'lib/config/index.js')), 'the config is loaded up front');
  t.same(reaches(closure, /^\/lib\/node(\.js|\/)/), [], 'the node is imported by sup run itself');
  t.same(reaches(closure, /^package:(zod|smol-toml)$/), [], 'no zod, and the TOML parser only with --config');
  t.same(reaches(closure, /^\/lib\/cli\/(kv|svc|acl|members|gossip-cmds|event|catalog|sup-term)\.js$/), [], 'other commands load only when run');
});
