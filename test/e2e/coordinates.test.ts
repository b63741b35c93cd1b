import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/proc.js';
import { loopbackCluster } from '../helpers/cluster.js';
import { getJson } from '../helpers/http.js';
import { distanceTo } from '../../lib/butterfly/index.js';

type Row = { Node: string; Segment: string; Coord: { Vec: number[]; Error: number; Adjustment: number; Height: number } };
type Dc = { Datacenter: string; AreaID: string; Coordinates: Array<{ Node: string }> };

t.test('three servers and a client: every node\'s coordinate reaches the catalog; the servers\' show per datacenter', async (t) => {
  // Not under t.testdir(): loopbackCluster makes that directory afresh.
  const configDir = mkdtempSync(join(tmpdir(), 'chorus-coordinates-'));
  t.teardown(() => rmSync(configDir, { recursive: true, force: true }));
  const config = join(configDir, 'chorus.toml');
  // Coordinates every half second instead of Consul's 15 s, so the test does not wait for them.
  writeFileSync(config, '[gossip]\nsync_coordinate_interval_min_ms = 500\n');
  const nodes = await loopbackCluster(t, 4, (i) => [...(i <= 3 ? ['--server', '--bootstrap-expect', '3'] : []), '--config', config]);
  for (const n of nodes) n.start();
  const [server1, , , client] = nodes;
  const names = ['node1', 'node2', 'node3', 'node4'];

  for (const via of [server1!.url, client!.url]) {
    const rows = await eventually(async () => {
      const list = await getJson<Row[]>(`${via}/v1/coordinate/nodes`);
      return list !== undefined && list.length === 4 ? list : undefined;
    }, 60_000, 250);
    t.same(rows.map((r) => r.Node), names, `all four nodes via ${via === client!.url ? 'the client (forwarded)' : 'a server'}`);
    for (const r of rows) {
      t.equal(r.Coord.Vec.length, 8, `${r.Node}: 8 dimensions`);
      t.ok([...r.Coord.Vec, r.Coord.Error, r.Coord.Adjustment, r.Coord.Height].every(Number.isFinite), `${r.Node}: finite numbers`);
    }
  }
  // Every node has observed round trips (a coordinate starts 1.5 unsure of everything), and on loopback those are
  // milliseconds at most, even with eight processes on two busy cores: estimates come out in seconds, far below the probe timeout.
  const settled = await eventually(async () => {
    const rows = await getJson<Row[]>(`${server1!.url}/v1/coordinate/nodes`);
    return rows !== undefined && rows.length === 4 && rows.every((r) => r.Coord.Error < 1.5) ? rows : undefined;
  }, 60_000, 500);
  const estimates = settled.flatMap((a, i) => settled.slice(i + 1).map((b) => distanceTo(a.Coord, b.Coord)));
  t.ok(estimates.every((d) => d > 0 && d < 0.5), `every pair estimated below 500 ms (${estimates.map((d) => `${(d * 1000).toFixed(2)} ms`).join(', ')})`);

  const dcs = await eventually(async () => {
    const list = await getJson<Dc[]>(`${client!.url}/v1/coordinate/datacenters`);
    return list?.[0]?.Coordinates.length === 3 ? list : undefined;
  }, 30_000, 250);
  t.match(dcs, [{ Datacenter: 'dc1', AreaID: 'wan' }]);
  t.same(dcs[0]!.Coordinates.map((c) => c.Node), ['node1', 'node2', 'node3'], 'the servers only');

  const one = await getJson<Row[]>(`${client!.url}/v1/coordinate/node/node4`);
  t.equal(one?.[0]?.Node, 'node4');
  const near = await getJson<Array<{ Node: string }>>(`${client!.url}/v1/catalog/nodes?near=_agent`);
  t.same(near?.map((n) => n.Node).sort(), names, '?near=_agent through the client lists every node');
  for (const n of nodes) await n.kill('SIGTERM');
});
