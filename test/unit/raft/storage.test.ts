import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStorage, MemoryDisk } from '../../../lib/raft/index.js';
import { storageSuite } from './storage-suite.js';

storageSuite(t, {
  name: 'memory',
  create: async () => {
    const disk = new MemoryDisk();
    return { open: async () => disk.open(), cleanup: async () => undefined };
  },
});

storageSuite(t, {
  name: 'file',
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chorus-raft-'));
    return { open: async () => fileStorage(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
});

t.test('memory disk: a crash loses exactly what was not synced', async (t) => {
  const disk = new MemoryDisk();
  const s = disk.open();
  await s.log.open();
  s.log.append([{ index: 1, term: 1, kind: 'noop', data: new Uint8Array(0) }]);
  await s.log.sync();
  s.log.append([{ index: 2, term: 1, kind: 'noop', data: new Uint8Array(0) }]);
  disk.crash();
  await t.rejects(s.log.sync(), 'a sync after the crash fails');
  const after = disk.open();
  await after.log.open();
  t.equal(after.log.lastIndex(), 1);
});
