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

/** The gateway modules that open the HTTP port early: no Koa, no catalog. */
const EARLY_GATEWAY = /^\/lib\/gateway\/(early|listener|auth|members)\.js$/;

const reaches = (closure: Set<string>, pattern: RegExp): string[] => [...closure].filter((f) => pattern.test(f.startsWith(dist) ? f.slice(dist.length) : f));

t.test('the node reaches gossip without loading the gateway, supervisor, Raft or agent', async (t) => {
  const closure = staticClosure(resolve(dist, 'lib/node.js'));
  t.ok(closure.has(resolve(dist, 'lib/butterfly/index.js')), 'gossip is loaded up front');
  // The HTTP port opens with gossip (lib/gateway/early.ts), from modules that need no Koa.
  t.ok(closure.has(resolve(dist, 'lib/gateway/early.js')), 'the early HTTP answers are loaded up front');
  t.same(reaches(closure, /^\/lib\/(gateway|supervisor|raft|catalog|agent|ctl)\//).filter((f) => !EARLY_GATEWAY.test(f.slice(dist.length))), [], 'none of the later parts');
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

// The same promise for what users run: the esbuild bundle (scripts/bundle.mjs).
// Its metafile says which sources went into which chunk and how chunks import
// one another; a chunk reached only through import() loads only when needed.
interface Metafile {
  outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }>; inputs: Record<string, unknown>; entryPoint?: string }>;
}
const metafilePath = resolve(dist, 'chorus/meta.json');

/** The sources in `chunk` and in every chunk it imports statically. */
function bundleClosure(meta: Metafile, chunk: string): string[] {
  const seen = new Set<string>();
  const visit = (out: string): void => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const i of meta.outputs[out]!.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(chunk);
  return [...seen].flatMap((out) => Object.keys(meta.outputs[out]!.inputs));
}

const LATER_PARTS = {
  test: (f: string): boolean => /^dist\/lib\/(gateway|supervisor|raft|catalog|agent|ctl)\//.test(f) && !EARLY_GATEWAY.test(f.slice('dist'.length)),
};
const LATER_PACKAGES = /(^|\/)node_modules\/(koa|@koa\/router|zod|handlebars)\//;

t.test('the bundle: its entry chunk and what it imports statically hold no gateway, supervisor, Raft, agent or their packages', async (t) => {
  // `npm run build` writes the metafile; without it this check would prove nothing, so it fails.
  let meta: Metafile;
  try {
    meta = JSON.parse(readFileSync(metafilePath, 'utf8')) as Metafile;
  } catch (err) {
    t.fail(`cannot read ${metafilePath} (run npm run build): ${String(err)}`);
    return;
  }
  const chunks = Object.keys(meta.outputs).filter((out) => out.endsWith('.js'));
  const entry = chunks.find((out) => meta.outputs[out]!.entryPoint === 'dist/bin/chorus.js');
  t.equal(entry, 'dist/chorus/chorus.js', 'the entry chunk is dist/chorus/chorus.js');
  const upFront = bundleClosure(meta, entry!);
  t.ok(upFront.includes('dist/lib/config/index.js'), 'the config is loaded up front');
  t.same(upFront.filter((f) => LATER_PARTS.test(f) || /^dist\/lib\/node(\.js|\/)/.test(f)), [], 'the node and its later parts only through import()');
  t.same(upFront.filter((f) => LATER_PACKAGES.test(f) || /(^|\/)node_modules\/smol-toml\//.test(f)), [], 'none of their packages, nor the TOML parser');
  t.same(upFront.filter((f) => /^dist\/lib\/cli\/(kv|svc|acl|members|gossip-cmds|event|catalog|sup-term)\.js$/.test(f)), [], 'other commands only when run');

  // sup run imports the node; gossip comes with it, the rest only later.
  const nodeChunk = chunks.find((out) => 'dist/lib/node.js' in meta.outputs[out]!.inputs);
  t.ok(nodeChunk, 'the node has a chunk');
  t.not(nodeChunk, entry, 'not the entry chunk');
  const withNode = bundleClosure(meta, nodeChunk!);
  t.ok(withNode.includes('dist/lib/butterfly/index.js'), 'gossip is loaded with the node');
  t.same(withNode.filter((f) => LATER_PARTS.test(f) || LATER_PACKAGES.test(f)), [], 'the later parts are not');

  const all = chunks.flatMap((out) => Object.keys(meta.outputs[out]!.inputs));
  t.ok(all.some((f) => LATER_PARTS.test(f)) && all.some((f) => /(^|\/)node_modules\/koa\//.test(f)), 'the bundle does hold them (the checks above are not vacuous)');
});
