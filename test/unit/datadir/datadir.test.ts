import t from 'tap';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDirLock, ensureDataDir, loadOrCreateCtlSecret, loadOrCreateMemberId, readCtlSecret } from '../../../lib/datadir/index.js';
import { ErrorCode, isChorusError } from '../../../lib/core/errors.js';

t.test('the member id is made once and kept', async (t) => {
  const dir = t.testdir({});
  const first = await loadOrCreateMemberId(dir);
  t.match(first.memberId, /^[0-9a-f]{32}$/);
  t.equal(first.created, true);
  const second = await loadOrCreateMemberId(dir);
  t.same(second, { memberId: first.memberId, created: false });
});

t.test('a damaged member id file is an error, not silently replaced', async (t) => {
  const dir = t.testdir({ MEMBER_ID: 'not-an-id\n' });
  await t.rejects(loadOrCreateMemberId(dir), { code: ErrorCode.CorruptData, message: /MEMBER_ID does not hold a member id/ });
  t.equal(await readFile(join(dir, 'MEMBER_ID'), 'utf8'), 'not-an-id\n');
  const unreadable = t.testdir({ MEMBER_ID: {} });
  await t.rejects(loadOrCreateMemberId(unreadable), { code: ErrorCode.CorruptData, message: /cannot read/ });
});

t.test('the control secret is private and stable', async (t) => {
  const dir = t.testdir({});
  t.equal(await readCtlSecret(dir), undefined);
  const secret = await loadOrCreateCtlSecret(dir);
  t.equal(Buffer.from(secret, 'base64').length, 64);
  t.equal((await stat(join(dir, 'CTL_SECRET'))).mode & 0o777, 0o600);
  t.equal(await loadOrCreateCtlSecret(dir), secret);
  t.equal(await readCtlSecret(dir), secret);
  await writeFile(join(dir, 'CTL_SECRET'), '\n');
  await t.rejects(loadOrCreateCtlSecret(dir), { code: ErrorCode.CorruptData });
  t.equal(await readCtlSecret(dir), undefined);
});

t.test('the lock keeps a second owner out and is released', async (t) => {
  const dir = t.testdir({});
  const a = new DataDirLock(dir);
  await a.acquire();
  t.equal((await readFile(join(dir, 'LOCK'), 'utf8')).trim(), String(process.pid));
  // Another live process (the parent of this test) claims the directory.
  const other = new DataDirLock(dir, process.ppid);
  try {
    await other.acquire();
    t.fail('second lock acquired');
  } catch (err) {
    t.ok(isChorusError(err, ErrorCode.DataDirLocked));
    t.match((err as Error).message, new RegExp(`data directory ${dir} is in use by another chorus process \\(pid ${process.pid}\\)`));
  }
  await a.release();
  await a.release();
  await other.acquire();
  t.equal((await readFile(join(dir, 'LOCK'), 'utf8')).trim(), String(process.ppid));
  await other.release();
});

t.test('a stale lock left by a killed process is taken over', async (t) => {
  const dir = t.testdir({});
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  await writeFile(join(dir, 'LOCK'), `${pid}\n`);
  const lock = new DataDirLock(dir);
  await lock.acquire();
  t.equal((await readFile(join(dir, 'LOCK'), 'utf8')).trim(), String(process.pid));
  await writeFile(join(dir, 'LOCK'), 'garbage');
  const again = new DataDirLock(dir, process.ppid);
  await again.acquire();
  t.pass('garbage lock taken over');
});

t.test('ensureDataDir creates nested directories and reports failures', async (t) => {
  const dir = t.testdir({ file: 'x' });
  await ensureDataDir(join(dir, 'a', 'b'));
  t.ok((await stat(join(dir, 'a', 'b'))).isDirectory());
  await t.rejects(ensureDataDir(join(dir, 'file', 'sub')), { code: ErrorCode.InvalidConfig, message: /cannot create data directory/ });
});
