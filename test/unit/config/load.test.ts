import t, { type Test } from 'tap';
import { join } from 'node:path';
import { loadNodeConfig, parseAddress, formatAddress, defaultDataDir } from '../../../lib/config/index.js';
import { isChorusError, ErrorCode } from '../../../lib/core/errors.js';

const base = { flags: {}, env: {}, cwd: '/work' };

t.test('defaults', async (t) => {
  const c = await loadNodeConfig(base);
  t.same(c.listenHttp, { host: '0.0.0.0', port: 9631 });
  t.same(c.listenGossip, { host: '0.0.0.0', port: 9638 });
  t.same(c.listenCtl, { host: '127.0.0.1', port: 9632 });
  t.equal(c.dataDir, defaultDataDir());
  t.equal(c.datacenter, 'dc1');
  t.same(c.peers, []);
  t.equal(c.server, false);
  t.equal(c.bootstrapExpect, undefined);
  t.equal(c.logLevel, 'info');
  t.equal(c.logFormat, 'json');
  t.equal(c.backgroundNice, 10);
  t.equal(c.gatewayAuthToken, undefined);
  t.ok(c.nodeName.length > 0);
});

t.test('flag > environment > config file > default', async (t) => {
  const dir = t.testdir({
    'sup.toml': 'listen_http = "10.1.1.1:1000"\nlisten_gossip = "10.1.1.1:2000"\ndatacenter = "filedc"\nnode_name = "from-file"\npeer = ["10.0.0.9"]\nserver = true\nbootstrap_expect = 3\n',
  });
  const c = await loadNodeConfig({
    flags: { listenHttp: '127.0.0.2:3000', config: join(dir, 'sup.toml') },
    env: { CHORUS_LISTEN_HTTP: '127.0.0.3:4000', HAB_LISTEN_GOSSIP: '127.0.0.3:5000', CHORUS_DATACENTER: 'envdc' },
    cwd: '/',
  });
  t.same(c.listenHttp, { host: '127.0.0.2', port: 3000 }, 'flag wins');
  t.same(c.listenGossip, { host: '127.0.0.3', port: 5000 }, "Habitat's HAB_LISTEN_GOSSIP beats the file");
  t.equal(c.datacenter, 'envdc');
  t.equal(c.nodeName, 'from-file');
  t.same(c.peers, [{ host: '10.0.0.9', port: 9638 }], 'peer port defaults to 9638');
  t.equal(c.server, true);
  t.equal(c.bootstrapExpect, 3);
  t.equal(c.configFile, join(dir, 'sup.toml'));
});

t.test('CHORUS_ wins over HAB_ and env lists split on spaces and commas', async (t) => {
  const c = await loadNodeConfig({
    flags: {},
    env: {
      CHORUS_LISTEN_CTL: '127.0.0.1:7000', HAB_LISTEN_CTL: '127.0.0.1:8000', CHORUS_PEER: '10.0.0.1:1, 10.0.0.2 [::1]:3',
      CHORUS_SERVER: 'yes', CHORUS_BOOTSTRAP_EXPECT: '5', CHORUS_LOG_LEVEL: 'DEBUG', CHORUS_LOG_FORMAT: 'pretty', CHORUS_BACKGROUND_NICE: '0',
      HAB_SUP_GATEWAY_AUTH_TOKEN: 'sekret', CHORUS_CTL_SECRET: 's3', CHORUS_DATA_DIR: 'rel/dir',
    },
    cwd: '/base',
  });
  t.equal(c.listenCtl.port, 7000);
  t.same(c.peers, [{ host: '10.0.0.1', port: 1 }, { host: '10.0.0.2', port: 9638 }, { host: '::1', port: 3 }]);
  t.equal(c.server, true);
  t.equal(c.bootstrapExpect, 5);
  t.equal(c.logLevel, 'debug');
  t.equal(c.logFormat, 'pretty');
  t.equal(c.backgroundNice, 0, 'CHORUS_BACKGROUND_NICE=0 turns the lowering off');
  t.equal(c.gatewayAuthToken, 'sekret');
  t.equal(c.ctlSecret, 's3');
  t.equal(c.dataDir, '/base/rel/dir', 'relative data dir resolves against cwd');
});

t.test('gossip settings: profile, permanent peer, [gossip] timings and ring keys', async (t) => {
  const key1 = Buffer.alloc(32, 1).toString('base64');
  const key2 = Buffer.alloc(32, 2).toString('base64');
  const dir = t.testdir({
    'g.toml': 'gossip_profile = "local"\npermanent_peer = true\n[gossip]\nprobe_interval_ms = 500\nlifeguard = false\neager_gossip = false\nretransmit_mult = 3\ndisable_coordinates = true\n',
    'badg.toml': '[gossip]\nprobe_intervall_ms = 500\n',
    'badv.toml': '[gossip]\nprobe_interval_ms = -5\n',
    ring: `${key1}\n# an older key, still accepted\n${key2}\n`,
    badring: 'not base64 at all!\n',
    emptyring: '\n',
  });
  const c = await loadNodeConfig({ ...base, flags: { config: join(dir, 'g.toml'), ringKey: join(dir, 'ring') } });
  t.equal(c.gossipProfile, 'local');
  t.equal(c.permanentPeer, true);
  t.same(c.gossip, { probeIntervalMs: 500, lifeguard: false, eagerGossip: false, retransmitMult: 3, disableCoordinates: true });
  t.equal(c.ringKeys!.length, 2);
  t.same(Buffer.from(c.ringKeys![1]!), Buffer.alloc(32, 2));
  const d = await loadNodeConfig({ ...base, env: { HAB_RING_KEY: key2 } });
  t.same(Buffer.from(d.ringKeys![0]!), Buffer.alloc(32, 2));
  t.equal((await loadNodeConfig(base)).ringKeys, undefined);
  await failure(t, { ...base, flags: { config: join(dir, 'badg.toml') } }, /gossip: unknown key "probe_intervall_ms"/);
  await failure(t, { ...base, flags: { config: join(dir, 'badv.toml') } }, /gossip\.probe_interval_ms: must be at least 1/);
  await failure(t, { ...base, flags: { ringKey: join(dir, 'badring') } }, /ring key file .*badring: key 1 is not a base64 AES-256 key/);
  await failure(t, { ...base, flags: { ringKey: join(dir, 'emptyring') } }, /holds no ring key/);
  await failure(t, { ...base, flags: { ringKey: join(dir, 'missing') } }, /--ring-key: cannot read .*missing: ENOENT/);
  await failure(t, { ...base, flags: { gossipProfile: 'wan' } }, /--gossip-profile: must be lan or local/);
});

t.test('[session] settings', async (t) => {
  const dir = t.testdir({
    's.toml': '[session]\nttl_min_ms = 500\nttl_multiplier = 1\n',
    'unknown.toml': '[session]\nttl = 1\n',
    'small.toml': '[session]\nttl_multiplier = 0.5\n',
  });
  t.same((await loadNodeConfig({ ...base, flags: { config: join(dir, 's.toml') } })).session, { ttlMinMs: 500, ttlMultiplier: 1 });
  t.same((await loadNodeConfig(base)).session, {});
  await failure(t, { ...base, flags: { config: join(dir, 'unknown.toml') } }, /session: unknown key "ttl"/);
  await failure(t, { ...base, flags: { config: join(dir, 'small.toml') } }, /session\.ttl_multiplier: must be at least 1/);
});

t.test('[raft] timings', async (t) => {
  const dir = t.testdir({
    'r.toml': '[raft]\nheartbeat_interval_ms = 50\nelection_timeout_ms = 500\ndead_server_removal_ms = 60000\ntombstone_ttl_ms = 90000\n',
    'bad.toml': '[raft]\nheartbeat_interval_ms = 200\nelection_timeout_ms = 300\n',
    'unknown.toml': '[raft]\nsnapshot = 1\n',
    'small.toml': '[raft]\nheartbeat_interval_ms = 1\n',
  });
  const c = await loadNodeConfig({ ...base, flags: { config: join(dir, 'r.toml') } });
  t.same(c.raft, { heartbeatIntervalMs: 50, electionTimeoutMs: 500, deadServerRemovalMs: 60000, tombstoneTtlMs: 90000 });
  t.same((await loadNodeConfig(base)).raft, {});
  await failure(t, { ...base, flags: { config: join(dir, 'bad.toml') } }, /raft\.election_timeout_ms should be at least 5 × heartbeat_interval_ms/);
  await failure(t, { ...base, flags: { config: join(dir, 'unknown.toml') } }, /raft: unknown key "snapshot"/);
  await failure(t, { ...base, flags: { config: join(dir, 'small.toml') } }, /raft\.heartbeat_interval_ms: must be at least 10/);
});

t.test('repeated --peer flags', async (t) => {
  const c = await loadNodeConfig({ ...base, flags: { peers: ['127.0.0.2', '127.0.0.3:9000'] } });
  t.same(c.peers.map(formatAddress), ['127.0.0.2:9638', '127.0.0.3:9000']);
});

async function failure(t: Test, sources: Parameters<typeof loadNodeConfig>[0], pattern: RegExp): Promise<void> {
  try {
    await loadNodeConfig(sources);
    t.fail(`expected an error matching ${pattern}`);
  } catch (err) {
    t.ok(isChorusError(err, ErrorCode.InvalidConfig), 'InvalidConfig');
    t.match((err as Error).message, pattern);
    t.notMatch((err as Error).message, /\n/, 'one line');
  }
}

t.test('bad values name the flag, the source and the problem', async (t) => {
  await failure(t, { ...base, flags: { listenHttp: 'nonsense' } }, /^invalid value for --listen-http: expected HOST:PORT, the port is missing$/);
  await failure(t, { ...base, flags: { listenHttp: '127.0.0.1:99999' } }, /--listen-http: port 99999 is not a number from 0 to 65535/);
  await failure(t, { ...base, flags: { listenHttp: '127.0.0.1:abc' } }, /port "abc"/);
  await failure(t, { ...base, flags: { listenHttp: 'bad_host!:80' } }, /not an IP address or host name/);
  await failure(t, { ...base, flags: { listenHttp: '::1:80' } }, /IPv6 address must be written in brackets/);
  await failure(t, { ...base, flags: { listenHttp: '[nope]:80' } }, /not an IPv6 address/);
  await failure(t, { ...base, flags: { listenHttp: '' } }, /empty/);
  await failure(t, { ...base, env: { HAB_LISTEN_GOSSIP: 'x:y' } }, /--listen-gossip \(from HAB_LISTEN_GOSSIP\)/);
  await failure(t, { ...base, flags: { datacenter: 'd c' } }, /--datacenter: may hold only/);
  await failure(t, { ...base, flags: { nodeName: '-x' } }, /--node-name/);
  await failure(t, { ...base, flags: { server: true, bootstrapExpect: 'three' } }, /--bootstrap-expect: must be a whole number/);
  await failure(t, { ...base, flags: { server: true, bootstrapExpect: '0' } }, /at least 1/);
  await failure(t, { ...base, flags: { server: true, bootstrapExpect: '2.5' } }, /whole number/);
  await failure(t, { ...base, flags: { bootstrapExpect: '3' } }, /only a server \(--server\) can bootstrap/);
  await failure(t, { ...base, flags: { logLevel: 'loud' } }, /--log-level: must be one of trace, debug/);
  await failure(t, { ...base, flags: { logFormat: 'xml' } }, /--log-format: must be json or pretty/);
  await failure(t, { ...base, flags: { backgroundNice: '20' } }, /--background-nice: must be at most 19/);
  await failure(t, { ...base, flags: { backgroundNice: '-1' } }, /--background-nice: must be at least 0/);
  await failure(t, { ...base, env: { CHORUS_BACKGROUND_NICE: 'low' } }, /--background-nice \(from CHORUS_BACKGROUND_NICE\): must be a whole number/);
  await failure(t, { ...base, env: { CHORUS_SERVER: 'maybe' } }, /--server \(from CHORUS_SERVER\): expected true or false/);
  await failure(t, { ...base, flags: { peers: ['10.0.0.1:x'] } }, /--peer: peer "10.0.0.1:x"/);
  await failure(t, { ...base, flags: { listenHttp: '127.0.0.1:9638' } }, /--listen-gossip: 0.0.0.0:9638 uses the same TCP port as --listen-http/);
});

t.test('config file problems name the file, line and key', async (t) => {
  const dir = t.testdir({
    'broken.toml': 'listen_http = "127.0.0.1:1"\nthis is not toml\n',
    'unknown.toml': 'listen_htttp = "127.0.0.1:1"\n',
    'types.toml': 'server = "sometimes"\n',
    'peers.toml': 'peer = 5\n',
    'table.toml': '[listen_http]\nhost = "x"\n',
  });
  await failure(t, { ...base, flags: { config: join(dir, 'broken.toml') } }, /broken\.toml:2:\d+ is not valid TOML/);
  await failure(t, { ...base, flags: { config: join(dir, 'unknown.toml') } }, /unknown key "listen_htttp"/);
  await failure(t, { ...base, flags: { config: join(dir, 'types.toml') } }, /--server \(from config file .*types\.toml key server\): expected true or false, got string "sometimes"/);
  await failure(t, { ...base, flags: { config: join(dir, 'table.toml') } }, /got a table/);
  await failure(t, { ...base, flags: { config: join(dir, 'peers.toml') } }, /--peer .*expected a list of HOST\[:PORT\], got number 5/);
  await failure(t, { ...base, flags: { config: join(dir, 'missing.toml') } }, /cannot read config file .*missing\.toml: no such file/);
  await failure(t, { ...base, env: { CHORUS_CONFIG: dir } }, /cannot read config file/);
});

t.test('addresses round-trip', async (t) => {
  t.same(parseAddress('[::1]:9638'), { host: '::1', port: 9638 });
  t.equal(formatAddress({ host: '::1', port: 1 }), '[::1]:1');
  t.equal(formatAddress({ host: 'example.com', port: 80 }), 'example.com:80');
  t.same(parseAddress('[::1]', 7), { host: '::1', port: 7 });
  t.same(parseAddress('localhost:0'), { host: 'localhost', port: 0 });
});
