// scratch: PUT c1 load against 3 chorus servers, optionally with node args (e.g. --cpu-prof)
import { ChorusCluster } from './lib/chorus-servers.mjs';
import { runLoad } from './lib/http-load.mjs';
import { waitClusterHealthy } from './lib/raftkv-kit.mjs';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/st/kvc');
const c = new ChorusCluster({ root: '/work/main', dir });
await c.checkPorts();
await c.start();
const { leader } = await waitClusterHealthy(c, { timeoutMs: 60000 });
const VALUE = 'x'.repeat(256);
await c.put(leader, 'k', VALUE, { timeoutMs: 5000 });
const conns = Number(process.argv[2] ?? 1);
const r = await runLoad({ targets: [{ host: c.members[leader].host, port: c.members[leader].port }], request: c.loadRequest('put', 'k', VALUE), check: (s, b) => c.loadResponseOk('put', s, b), connections: conns, durationMs: Number(process.argv[3] ?? 8) * 1000, warmupMs: 1000, cpu: () => c.cpu() });
console.log(`leader s${leader + 1} pids ${c.pids().join(',')}`, JSON.stringify(r.latencyMs), r.perSecond, 'cpu/req', (r.serverCpuSeconds / r.ok * 1e6).toFixed(0));
await c.stop();
