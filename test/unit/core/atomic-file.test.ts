import t from 'tap';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../lib/core/atomic-file.js';

t.test('replaces contents whole and leaves no temporary files', async (t) => {
  const dir = t.testdir({ 'f.txt': 'old' });
  const path = join(dir, 'f.txt');
  await writeFileAtomic(path, 'new contents');
  t.equal(await readFile(path, 'utf8'), 'new contents');
  await writeFileAtomic(join(dir, 'secret'), 'x', 0o600);
  t.equal((await stat(join(dir, 'secret'))).mode & 0o777, 0o600);
  t.same((await readdir(dir)).sort(), ['f.txt', 'secret']);
});

t.test('a failed write leaves the old file and no temporary file', async (t) => {
  const dir = t.testdir({ 'sub': {} });
  await t.rejects(writeFileAtomic(join(dir, 'missing-dir', 'f'), 'x'), { code: 'ENOENT' });
  // Renaming a file over a directory fails after the temporary file was written.
  await t.rejects(writeFileAtomic(join(dir, 'sub'), 'x'));
  t.same(await readdir(dir), ['sub']);
});
