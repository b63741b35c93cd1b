#!/usr/bin/env node
// Bundles the compiled CLI (dist/bin/chorus.js, from tsc) into dist/chorus/,
// the `chorus` that users run. Node's ESM loader spends 100+ ms resolving and
// linking the ~250 separate modules of dist/lib and the packages; one bundle
// puts a new member in the ring and its HTTP gateway up markedly sooner.
// Code splitting keeps every dynamic import() a chunk of its own, so
// `sup run` still joins the ring before loading Koa, Raft or the agent
// (test/unit/node/startup-imports.test.ts checks this on meta.json).
//
// Run by `npm run build` after tsc. Tests keep spawning dist/bin/chorus.js so
// that coverage maps onto dist/lib.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'chorus');
const entry = join(root, 'dist', 'bin', 'chorus.js');

const options = {
  absWorkingDir: root,
  entryPoints: { chorus: entry },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The inputs carry tsc's source maps; esbuild follows them, so with
  // `node --enable-source-maps` stack traces name lib/*.ts lines.
  sourcemap: 'linked',
  // The sources sit beside dist/ in every checkout (and the Docker image).
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  // msgpackr-extract is a native addon (a .node file found by
  // node-gyp-build at run time), so it stays in node_modules; msgpackr loads
  // it through require() and carries on without it, so a bundled copy would
  // fail silently and lose the native decoder. Nothing else bundled resolves
  // files at run time on the paths Chorus uses (pino's worker transports
  // are never configured: lib/core/logger.ts writes through sonic-boom).
  external: ['msgpackr-extract'],
  // Bundled CommonJS packages call require() for Node built-ins (and
  // msgpackr for its addon); an ES module has no require of its own.
  banner: { js: "import { createRequire as __chorusCreateRequire } from 'node:module'; const require = __chorusCreateRequire(import.meta.url);" },
};

rmSync(outdir, { recursive: true, force: true });
let result;
try {
  result = await esbuild.build(options);
} catch (err) {
  // esbuild has printed each error with its location already.
  console.error(`bundle: esbuild failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  process.exit(1);
}
if (result.errors.length > 0) {
  console.error(`bundle: esbuild reported ${result.errors.length} error(s)`);
  process.exit(1);
}
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
chmodSync(join(outdir, 'chorus.js'), 0o755);
