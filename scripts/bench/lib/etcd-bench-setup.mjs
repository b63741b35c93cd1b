// Setup shared by raft-vs-etcd and kv-vs-etcd: common options, the chorus
// build, and both clusters started side by side in one temporary directory.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ChorusCluster } from './chorus-servers.mjs';
import { EtcdCluster, ensureEtcd } from './etcd.mjs';
import { makeTempDir, waitClusterHealthy, onCleanup, log } from './raftkv-kit.mjs';

export const COMMON_OPTIONS = {
  heartbeat: { type: 'int', default: 100, min: 10, max: 5000 },
  election: { type: 'int', default: 1000, min: 50, max: 60000 },
  only: { type: 'string', default: 'both', choices: ['both', 'chorus', 'etcd'] },
  portOffset: { type: 'int', default: 0, min: 0, max: 20000 },
  chorusRaftConfig: { type: 'bool', default: true },
  chorusLogLevel: { type: 'string', default: 'warn' },
  etcdPreVote: { type: 'bool', default: false },
  build: { type: 'bool', default: true },
  keep: { type: 'bool', default: false },
  out: { type: 'string', default: undefined },
};

export const COMMON_USAGE = `common options:
  --heartbeat MS          Raft heartbeat interval on both sides (default 100, etcd's default)
  --election MS           Raft election timeout on both sides (default 1000, etcd's default)
  --only both|chorus|etcd run one side only (default both)
  --port-offset N         add N to every port (chorus 19631/19638/19632, etcd 22379/22380)
  --no-chorus-raft-config do not pass chorus a --config file with the [raft] timings
  --chorus-log-level L    chorus --log-level (default warn); logs are in the temp dir
  --etcd-pre-vote         start etcd with --pre-vote (off by default in etcd 3.4)
  --no-build              do not run npm run build first
  --keep                  keep the temporary directory (data dirs and logs)
  --out FILE              write the JSON results there (default scripts/bench/results/NAME-DATE.json)`;

/** Builds chorus, starts the selected clusters and waits until each is healthy. */
export async function startClusters(root, opts, prefix) {
  const etcdInfo = opts.only !== 'chorus' ? ensureEtcd() : undefined;
  if (opts.only !== 'etcd' && opts.build) {
    log('building chorus (npm run build)');
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const dir = makeTempDir(prefix, opts.keep);
  log(`data dirs and logs under ${dir}${opts.keep ? '' : ' (removed at exit; --keep keeps them)'}`);
  const clusters = [];
  if (opts.only !== 'etcd') {
    clusters.push(new ChorusCluster({
      root, dir,
      httpPort: 19631 + opts.portOffset, gossipPort: 19638 + opts.portOffset, ctlPort: 19632 + opts.portOffset,
      heartbeatMs: opts.heartbeat, electionMs: opts.election, raftConfig: opts.chorusRaftConfig, logLevel: opts.chorusLogLevel,
    }));
  }
  if (opts.only !== 'chorus') {
    clusters.push(new EtcdCluster({
      dir, bin: etcdInfo.bin, clientPort: 22379 + opts.portOffset, peerPort: 22380 + opts.portOffset,
      heartbeatMs: opts.heartbeat, electionMs: opts.election, preVote: opts.etcdPreVote,
    }));
  }
  for (const c of clusters) {
    onCleanup(() => c.stop());
    const t0 = performance.now();
    log(`starting ${c.size} ${c.name} servers`);
    await c.start();
    const h = await waitClusterHealthy(c, { timeoutMs: 90000 });
    log(`${c.name}: healthy after ${((performance.now() - t0) / 1000).toFixed(1)} s, leader is member ${h.leader + 1}`);
  }
  return { clusters, dir, etcdVersion: etcdInfo?.version };
}

export function gitDescribe(root) {
  const r = spawnSync('git', ['-C', root, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' });
  return r.stdout.trim();
}

export const ROOT_OF = (scriptDir) => path.resolve(scriptDir, '..', '..');
