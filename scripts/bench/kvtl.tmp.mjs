// scratch: timeline of PUT latencies, 1 client, keep-alive
import { ChorusCluster } from './lib/chorus-servers.mjs';
import { waitClusterHealthy } from './lib/raftkv-kit.mjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
const dir = mkdtempSync('/tmp/st/kvc');
const c = new ChorusCluster({ root: '/work/main', dir });
await c.checkPorts();
await c.start();
const { leader } = await waitClusterHealthy(c, { timeoutMs: 60000 });
const VALUE = 'x'.repeat(256);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const m = c.members[leader];
const put = () => new Promise((res, rej) => {
  const r = http.request({ host: m.host, port: m.port, method: 'PUT', path: '/v1/kv/k', agent }, (resp) => { resp.resume(); resp.on('end', res); });
  r.on('error', rej); r.end(VALUE);
});
for (let i = 0; i < 500; i++) await put();
const dur = Number(process.argv[2] ?? 8) * 1000;
let out;
for (const phase of ['A', 'B']) {
out = []; const t0 = performance.now();
while (performance.now() - t0 < dur) { const s = performance.now(); await put(); out.push([s - t0, performance.now() - s]); }
const per = []; for (let sec = 0; sec * 1000 < dur; sec++) { const xs = out.filter(([t]) => t >= sec * 1000 && t < sec * 1000 + 1000).map((x) => x[1]).sort((a, b) => a - b); per.push(`${sec}:${xs.length}/${xs[Math.floor(0.99 * (xs.length - 1))].toFixed(2)}`); }
console.log(phase, per.join(' '));
if (process.argv[3] === 'ext' && phase === 'A') { console.log('run external client now'); await new Promise((r) => setTimeout(r, 12000)); }
}
writeFileSync('/tmp/st/timeline.json', JSON.stringify(out));
const lat = out.map((x) => x[1]).sort((a, b) => a - b); const q = (p) => lat[Math.floor(p * (lat.length - 1))].toFixed(2);
console.log(`n=${lat.length} p50=${q(.5)} p90=${q(.9)} p99=${q(.99)} p999=${q(.999)} max=${q(1)}`);
await c.stop();
