import t from 'tap';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isChorusError } from '../../../lib/core/index.js';
import { FileLogStore, WAL_FILE, type FileLogStoreOptions, type LogEntry } from '../../../lib/raft/index.js';

const entry = (index: number, term = 1): LogEntry => ({ index, term, kind: 'command', data: Buffer.from(`entry-${index}`) });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-wal-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A log store on `dir`, opened. */
async function openLog(dir: string, options?: FileLogStoreOptions): Promise<FileLogStore> {
  const log = new FileLogStore(dir, options);
  await log.open();
  return log;
}

async function writeLog(dir: string, batches: number[][]): Promise<void> {
  const log = await openLog(dir);
  for (const batch of batches) {
    log.append(batch.map((i) => entry(i)));
    await log.sync();
  }
  await log.close();
}

t.test('a torn last frame is cut and the synced entries before it survive', (t) =>
  withDir(async (dir) => {
    await writeLog(dir, [[1, 2], [3]]);
    const path = join(dir, WAL_FILE);
    const good = (await stat(path)).size;
    // Half a frame: a write interrupted by the crash.
    await appendFile(path, Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 9, 9]));
    const log = await openLog(dir);
    t.equal(log.lastIndex(), 3);
    t.equal(log.counters.tornBytesCut, 10);
    t.equal((await stat(path)).size, good, 'the file is cut back to the last whole frame');
    log.append([entry(4)]);
    await log.sync();
    await log.close();
    const again = await openLog(dir);
    t.equal(again.lastIndex(), 4, 'appending after the cut works');
    await again.close();
  }),
);

t.test('a last frame with a bad checksum is a torn write and is cut', (t) =>
  withDir(async (dir) => {
    await writeLog(dir, [[1], [2]]);
    const path = join(dir, WAL_FILE);
    const buf = await readFile(path);
    buf[buf.length - 1] ^= 0xff;
    await writeFile(path, buf);
    const log = await openLog(dir);
    t.equal(log.lastIndex(), 1);
    await log.close();
  }),
);

t.test('damage before the last frame is refused, not silently cut', (t) =>
  withDir(async (dir) => {
    await writeLog(dir, [[1], [2], [3]]);
    const path = join(dir, WAL_FILE);
    const buf = await readFile(path);
    buf[10] ^= 0xff; // inside the first frame's payload
    await writeFile(path, buf);
    const log = new FileLogStore(dir);
    const err = await log.open().catch((e: unknown) => e);
    t.ok(isChorusError(err, 'CORRUPT_DATA'), 'CorruptData');
  }),
);

t.test('through the thread pool, syncs asked for while one is running share one write and one fdatasync', (t) =>
  withDir(async (dir) => {
    const log = await openLog(dir, { inlineWrites: false });
    const syncs: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      log.append([entry(i)]);
      syncs.push(log.sync());
    }
    await Promise.all(syncs);
    t.ok(log.counters.fsyncs <= 2, `20 syncs took ${log.counters.fsyncs} fdatasyncs`);
    await log.close();
  }),
);

t.test('inline syncs asked for in one turn of the event loop share one write, made before they resolve', (t) =>
  withDir(async (dir) => {
    const log = await openLog(dir);
    const path = join(dir, WAL_FILE);
    const syncs: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      log.append([entry(i)]);
      syncs.push(log.sync());
    }
    t.equal(statSync(path).size, 0, 'nothing written until the loop has read its sockets');
    await Promise.all(syncs);
    const afterBatch = statSync(path).size;
    t.ok(afterBatch > 0, 'written once they resolve');
    t.equal(log.counters.fsyncs, 1, '20 syncs, one write');
    log.append([entry(21)]);
    await log.sync();
    t.ok(statSync(path).size > afterBatch, 'a sync in a later turn makes its own write');
    t.equal(log.counters.fsyncs, 2);
    await log.close();
    const again = await openLog(dir);
    t.equal(again.lastIndex(), 21);
    await again.close();
  }),
);

t.test('an inline sync waits behind a rewrite already under way, so frames stay in order', (t) =>
  withDir(async (dir) => {
    const log = await openLog(dir, { rewriteAfterBytes: 1 });
    log.append(Array.from({ length: 50 }, (_, i) => entry(i + 1)));
    await log.sync();
    log.compactPrefix(40, 1);
    const rewrite = log.sync(); // goes through the pool: temporary file, rename
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(log.counters.rewrites, 0, 'the rewrite has taken its batch and is still under way');
    log.append([entry(51), entry(52)]);
    const after = log.sync();
    log.truncateSuffix(52);
    const last = log.sync();
    await Promise.all([rewrite, after, last]);
    t.equal(log.counters.rewrites, 1);
    await log.close();
    const again = await openLog(dir);
    t.equal(again.baseIndex(), 40);
    t.equal(again.lastIndex(), 51, 'the append and the truncation after the rewrite both survive, in order');
    t.same(Buffer.from(again.entry(51)!.data).toString(), 'entry-51');
    await again.close();
  }),
);

t.test('an inline sync waiting for its turn resolves only after a rewrite that started meanwhile', (t) =>
  withDir(async (dir) => {
    const log = await openLog(dir, { rewriteAfterBytes: 1 });
    log.append(Array.from({ length: 50 }, (_, i) => entry(i + 1)));
    await log.sync();
    log.append([entry(51)]);
    const inline = log.sync(); // waits for the end of this turn of the loop
    log.compactPrefix(40, 1);
    const rewrite = log.sync(); // starts at the next microtask, taking entry 51 with it
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
    log.append([entry(52)]); // after the rewrite took its batch, before the inline turn comes
    await inline;
    t.equal(log.counters.rewrites, 1, 'the rewrite holding entry 51 was done when the inline sync resolved');
    await rewrite;
    await log.sync();
    await log.close();
    const again = await openLog(dir);
    t.equal(again.baseIndex(), 40);
    t.equal(again.lastIndex(), 52, 'entry 52 was not written into the file the rewrite replaced');
    await again.close();
  }),
);

t.test('compaction rewrites the file once it is large', (t) =>
  withDir(async (dir) => {
    const log = await openLog(dir, { rewriteAfterBytes: 1 });
    log.append(Array.from({ length: 100 }, (_, i) => entry(i + 1)));
    await log.sync();
    const before = (await stat(join(dir, WAL_FILE))).size;
    log.compactPrefix(90, 1);
    await log.sync();
    t.equal(log.counters.rewrites, 1);
    t.ok((await stat(join(dir, WAL_FILE))).size < before / 5, 'the file shrank');
    await log.close();
    const again = await openLog(dir);
    t.equal(again.baseIndex(), 90);
    t.equal(again.lastIndex(), 100);
    await again.close();
  }),
);

t.test('kill -9 at random moments never loses a synced entry', (t) =>
  withDir(async (dir) => {
    const writer = join(dirname(fileURLToPath(import.meta.url)), 'wal-writer.js');
    let acked = 0;
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      // Kill once it has acknowledged a few more batches, at a moment we do not choose precisely.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const lines = out.trim().split('\n').filter(Boolean);
        if (lines.length >= 5 + round * 3) break;
        await new Promise((r) => setImmediate(r));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const lines = out.trim().split('\n').filter(Boolean);
      if (lines.length > 0) acked = Number(lines[lines.length - 1]);
      const log = await openLog(dir);
      t.ok(log.lastIndex() >= acked, `round ${round}: ${log.lastIndex()} entries recovered, ${acked} acknowledged`);
      const all = log.entries(1, log.lastIndex());
      t.ok(all.every((e, i) => e.index === i + 1 && e.data.byteLength === 100 + (e.index % 300) && e.data[0] === (e.index & 255)), 'every entry intact');
      await log.close();
    }
  }),
);
