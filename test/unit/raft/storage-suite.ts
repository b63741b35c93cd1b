import type { Test } from 'tap';
import type { LogEntry, RaftStorage } from '../../../lib/raft/index.js';

/** One suite for every storage implementation: `reopen` gives fresh stores over what survived (clean shutdown). */
export interface StorageFactory {
  name: string;
  create(): Promise<{ open(): Promise<RaftStorage>; cleanup(): Promise<void> }>;
}

const entry = (index: number, term: number, data = `e${index}`): LogEntry => ({ index, term, kind: 'command', data: Buffer.from(data) });

export function storageSuite(t: Test, factory: StorageFactory): void {
  t.test(`${factory.name}: log append, read, last index and term survive a reopen`, async (t) => {
    const env = await factory.create();
    const s = await env.open();
    await s.log.open();
    t.equal(s.log.lastIndex(), 0);
    t.equal(s.log.lastTerm(), 0);
    s.log.append([entry(1, 1), entry(2, 1), entry(3, 2)]);
    s.log.append([{ index: 4, term: 2, kind: 'config', data: new Uint8Array(0), config: { servers: [{ id: 'a', address: 'x:1', suffrage: 'voter' }] } }]);
    await s.log.sync();
    t.equal(s.log.lastIndex(), 4);
    t.equal(s.log.termAt(3), 2);
    t.same(s.log.entries(2, 3).map((e) => e.index), [2, 3]);
    t.same(s.log.entries(1, 10, 2).length, 1, 'a byte limit still returns one entry');
    t.throws(() => s.log.append([entry(6, 2)]), 'a gap is refused');
    await s.log.close();
    const again = await env.open();
    await again.log.open();
    t.equal(again.log.lastIndex(), 4);
    t.same(Buffer.from(again.log.entry(2)!.data).toString(), 'e2');
    t.same(again.log.entry(4)!.config, { servers: [{ id: 'a', address: 'x:1', suffrage: 'voter' }] });
    await again.log.close();
    await env.cleanup();
  });

  t.test(`${factory.name}: truncating a suffix and compacting a prefix`, async (t) => {
    const env = await factory.create();
    const s = await env.open();
    await s.log.open();
    s.log.append([1, 2, 3, 4, 5, 6].map((i) => entry(i, 1)));
    s.log.truncateSuffix(5);
    s.log.append([entry(5, 2, 'new5')]);
    s.log.compactPrefix(2, 1);
    await s.log.sync();
    t.equal(s.log.baseIndex(), 2);
    t.equal(s.log.termAt(2), 1, 'the base keeps its term');
    t.equal(s.log.entry(2), undefined, 'compacted entries are gone');
    t.throws(() => s.log.truncateSuffix(2), 'cannot truncate into the compacted prefix');
    await s.log.close();
    const again = await env.open();
    await again.log.open();
    t.equal(again.log.baseIndex(), 2);
    t.equal(again.log.lastIndex(), 5);
    t.equal(Buffer.from(again.log.entry(5)!.data).toString(), 'new5');
    again.log.compactPrefix(9, 3);
    await again.log.sync();
    t.equal(again.log.lastIndex(), 9, 'compacting past the end leaves an empty log at the new base');
    t.equal(again.log.lastTerm(), 3);
    await again.log.close();
    const third = await env.open();
    await third.log.open();
    t.equal(third.log.lastIndex(), 9);
    t.equal(third.log.termAt(9), 3);
    await third.log.close();
    await env.cleanup();
  });

  t.test(`${factory.name}: term and vote, snapshots`, async (t) => {
    const env = await factory.create();
    const s = await env.open();
    t.same(await s.stable.load(), { term: 0, votedFor: undefined });
    await s.stable.save({ term: 3, votedFor: 'b' });
    await s.stable.save({ term: 4, votedFor: undefined });
    t.equal(await s.snapshots.latest(), undefined);
    const config = { servers: [{ id: 'a', address: 'x:1', suffrage: 'voter' as const }] };
    await s.snapshots.save({ index: 10, term: 2, config }, Buffer.from('old'));
    await s.snapshots.save({ index: 20, term: 3, config }, Buffer.from('new'));
    const again = await env.open();
    t.same(await again.stable.load(), { term: 4, votedFor: undefined });
    const snap = await again.snapshots.latest();
    t.equal(snap?.meta.index, 20);
    t.equal(Buffer.from(snap!.data).toString(), 'new');
    t.same((await again.snapshots.latestMeta())?.config, config);
    await env.cleanup();
  });
}
