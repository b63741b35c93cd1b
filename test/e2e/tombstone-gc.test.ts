import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/proc.js';
import { loopbackCluster } from '../helpers/cluster.js';

t.test("the leader reaps KV tombstones after tombstone_ttl: a deleted prefix's index falls back to the table's", async (t) => {
  const configFile = join(await mkdtemp(join(tmpdir(), 'chorus-gc-')), 'gc.toml');
  await writeFile(configFile, '[raft]\ntombstone_ttl_ms = 1500\n');
  const [node] = await loopbackCluster(t, 1, () => ['--server', '--bootstrap-expect', '1', '--config', configFile]);
  node!.start();
  const put = async (key: string, method = 'PUT'): Promise<void> => {
    await eventually(async () => ((await fetch(`${node!.url}/v1/kv/${key}`, { method, body: method === 'PUT' ? 'v' : undefined }).catch(() => undefined))?.status === 200 ? true : undefined), 20_000, 100);
  };
  const prefixIndex = async (): Promise<number> => Number((await fetch(`${node!.url}/v1/kv/gone/?recurse`)).headers.get('x-consul-index'));
  await put('gone/x');
  await put('gone/x', 'DELETE');
  const deletedAt = await prefixIndex();
  await put('elsewhere');
  const tableIndex = Number((await fetch(`${node!.url}/v1/kv/elsewhere`)).headers.get('x-consul-index'));
  t.ok(tableIndex > deletedAt);
  t.equal(await prefixIndex(), deletedAt, 'while the tombstone lives, the empty prefix answers with the index of the delete');
  await eventually(async () => ((await prefixIndex()) === tableIndex ? true : undefined), 15_000, 200);
  t.pass('once reaped, it answers with the KV table index');
});
