import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The sanity check of the simulation itself: break the compiled Raft code on
 * purpose, one bug at a time, in a throwaway copy of dist/, and confirm the
 * fast tier fails seeds. Not a tap test (it runs for a minute or two):
 * `node dist/test/sim/raft/mutants.js [seeds per size, default 300]`.
 * Exits non-zero when a bug goes unnoticed.
 */
interface Mutant {
  name: string;
  file: string;
  find: string;
  replace: string;
}

const MUTANTS: Mutant[] = [
  {
    name: 'ReadIndex without quorum confirmation',
    file: 'lib/raft/reads.js',
    find: 'read.confirmed = acks >= quorum;',
    replace: 'read.confirmed = true;',
  },
  {
    name: 'votes granted whatever the candidate’s log',
    file: 'lib/raft/core.js',
    find: 'return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= this.log.lastIndex());',
    replace: 'return true;',
  },
  {
    name: 'commit one acknowledgement short of a quorum',
    file: 'lib/raft/leadership.js',
    find: 'const n = matches[core.quorum() - 1];',
    replace: 'const n = matches[core.quorum() - 2] ?? matches[0];',
  },
];

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '../../..');
const root = resolve(dist, '..');
const perSize = Number(process.argv[2] ?? 300);

function sweep(dir: string, size: number): Promise<{ failed: { seed: number; why: string }[]; cpuMs: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(dir, 'dist/test/sim/raft/sweep.js'), 'fast', String(size), '0', String(perSize)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`sweep exited ${code}`))));
  });
}

let missed = 0;
for (const m of MUTANTS) {
  const dir = mkdtempSync(join(tmpdir(), 'chorus-mutant-'));
  try {
    cpSync(dist, join(dir, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const path = join(dir, 'dist', m.file);
    const src = readFileSync(path, 'utf8');
    if (!src.includes(m.find)) throw new Error(`${m.file} no longer contains ${JSON.stringify(m.find)}: update this mutant`);
    writeFileSync(path, src.replace(m.find, m.replace));
    const results = await Promise.all([sweep(dir, 3), sweep(dir, 5)]);
    const failed = results.flatMap((r) => r.failed);
    const kinds = [...new Set(failed.map((f) => f.why.replace(/ at t=\d+/, '').slice(0, 60)))].slice(0, 3);
    console.log(`${failed.length > 0 ? 'caught' : 'MISSED'}: ${m.name}: ${failed.length} of ${2 * perSize} seeds failed (first ${failed[0]?.seed ?? '-'}; ${kinds.join(' | ')})`);
    if (failed.length === 0) missed++;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(missed === 0 ? 0 : 1);
