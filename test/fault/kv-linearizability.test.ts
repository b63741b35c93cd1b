import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultSupport } from '../helpers/netns.js';
import { leadershipLog, runInHub } from './harness.js';
import { checkIndexes, checkRegisters, ms, staleReadWitnesses, type KvOp, type RunnerReport, type Verdict } from './kv-history.js';

/**
 * Issue 6's fault test: three real servers, each in a network namespace of
 * its own behind a hub namespace that routes between them (see
 * test/helpers/netns.ts for why not loopback addresses in one namespace).
 * Six clients in the hub do default, ?consistent and ?stale reads, puts,
 * CAS and ledger writes through all three servers while a seeded nemesis
 * isolates the leader or another node, cuts single links, SIGKILLs the
 * leader and restarts it, and SIGSTOPs it. Afterwards:
 *  - the history of each register key, with default and ?consistent reads,
 *    is linearizable (Wing–Gong/Porcupine checker of test/helpers);
 *  - every value has one ModifyIndex and every value read (stale reads too) was written;
 *  - every acknowledged ledger write is on every server, and the final
 *    ?consistent reads of each key through each server are part of the
 *    linearizable history, so no acknowledged register write is lost.
 *
 * CHORUS_SEED replays the nemesis schedule and the clients' choices;
 * CHORUS_FAULT_SECONDS sets the length of the run (default 40).
 */
const unsupported = faultSupport();
if (unsupported !== undefined) t.comment(`skipping the KV fault test: ${unsupported}`);

t.test('KV under partitions, leader kills and pauses stays linearizable and loses no acknowledged write', { skip: unsupported ?? false, timeout: 280_000 }, async (t) => {
  const seed = Number(process.env.CHORUS_SEED ?? Date.now() % 1_000_000);
  const seconds = Number(process.env.CHORUS_FAULT_SECONDS ?? 40);
  t.comment(`seed ${seed} (replay the schedule with CHORUS_SEED=${seed}), ${seconds} s of faults and load`);
  const started = Date.now();
  const run = await runInHub<RunnerReport>(t, 'kv-runner.js', { seed, durationMs: seconds * 1000 }, (seconds + 180) * 1000);
  const { dir, progress, code } = run;
  const wall = (Date.now() - started) / 1000;
  t.comment(progress.join('\n'));
  t.equal(code, 0, 'the runner finished');
  const report = run.report;
  if (report === undefined) {
    t.fail('the runner wrote no report');
    return;
  }
  t.notOk(report.error, 'the runner ran to the end (cluster healthy after the faults, final reads answered)');

  const h = report.history;
  const work = h.filter((o) => !o.final);
  const by = (pred: (o: KvOp) => boolean): number => work.filter(pred).length;
  const writes = (o: KvOp): boolean => o.kind !== 'get';
  const summary = {
    seed,
    operations: work.length,
    acknowledged: by((o) => o.outcome === 'ok'),
    acknowledgedWrites: by((o) => writes(o) && o.outcome === 'ok'),
    casApplied: by((o) => o.kind === 'cas' && o.result === true),
    casRefused: by((o) => o.kind === 'cas' && o.result === false),
    unknownWrites: by((o) => writes(o) && o.outcome === 'unknown'),
    refusedWrites: by((o) => writes(o) && o.outcome === 'fail'),
    readsOk: { default: by((o) => o.mode === 'default' && o.outcome === 'ok'), consistent: by((o) => o.mode === 'consistent' && o.outcome === 'ok'), stale: by((o) => o.mode === 'stale' && o.outcome === 'ok') },
    readsFailed: by((o) => o.kind === 'get' && o.outcome === 'fail'),
    ...report.counts,
    ledger: report.ledger,
    runnerMs: report.runtimeMs,
    wallSeconds: wall,
  };
  t.comment(`summary ${JSON.stringify(summary)}`);

  // The faults must have happened and the clients must have got work done, or this test tests nothing.
  t.ok(report.counts.partitions + report.counts.linkCuts > 0 && report.counts.droppedPackets > 0, `links were cut (${report.counts.droppedPackets} packets dropped)`);
  t.ok(report.counts.leaderKills > 0, `the leader was killed (${report.counts.leaderKills} times)`);
  t.ok(summary.acknowledgedWrites > 100, `${summary.acknowledgedWrites} writes acknowledged`);
  t.ok(summary.readsOk.default > 50 && summary.readsOk.consistent > 50, 'default and ?consistent reads answered');

  const indexProblems = checkIndexes(h);
  t.same(indexProblems.slice(0, 10), [], 'each value has one ModifyIndex, and every value read was written (all read modes)');

  const missing = Object.entries(report.ledger.missing);
  t.same(missing.map(([n, keys]) => `${n}: ${keys.length} missing, e.g. ${keys.slice(0, 5).join(', ')}`), [], `all ${report.ledger.acknowledged} acknowledged ledger writes on every server`);

  // The same pipeline must catch a lost write: make one final read answer the key's first acknowledged value.
  const key = report.registerKeys[0]!;
  const firstPut = h.find((o) => o.key === key && o.kind === 'put' && o.outcome === 'ok');
  const laterPut = firstPut && h.find((o) => o.key === key && o.kind === 'put' && o.outcome === 'ok' && o.call > firstPut.ret!);
  const finalRead = h.find((o) => o.key === key && o.final && o.outcome === 'ok');
  if (firstPut && laterPut && finalRead) {
    const mutated = h.map((o) => (o === finalRead ? { ...o, result: firstPut.value! } : o));
    t.notOk(checkRegisters(mutated, [key], ['consistent']).ok, `a final read of ${key} that lost acknowledged writes would be caught`);
  }

  // Each read mode on its own (with every write, CAS and the final ?consistent reads), then both together.
  const startCheck = Date.now();
  const keys = report.registerKeys;
  const verdicts = {
    consistent: checkRegisters(h, keys, ['consistent']),
    default: checkRegisters(h, keys, ['default']),
    both: checkRegisters(h, keys, ['default', 'consistent']),
  };
  t.comment(`linearizability checks of ${keys.length} keys took ${Date.now() - startCheck} ms`);
  const failed = Object.entries(verdicts).filter(([, v]) => !v.ok);
  if (failed.length > 0) {
    run.keep();
    const detail = {
      seed,
      verdicts,
      writesAndCasAlone: checkRegisters(h, keys, []).ok,
      witnesses: {
        default: staleReadWitnesses(h, ['default'], 20),
        consistent: staleReadWitnesses(h, ['consistent'], 20),
      },
      nemesis: report.events.map((e) => `${ms(e.at)} ${e.what}`),
      leadership: leadershipLog(dir, report.wallAtZero),
    };
    writeFileSync(join(dir, 'violation.json'), JSON.stringify(detail, null, 2));
    t.comment(`violation: ${JSON.stringify(detail, null, 2)}`);
  }
  const says = (v: Verdict): string => (v.ok ? '' : `: not for ${v.key}${v.exhausted ? ' (search exhausted, inconclusive)' : ''}`);
  t.ok(verdicts.consistent.ok, `writes, CAS and ?consistent reads are linearizable${says(verdicts.consistent)}`);
  t.ok(verdicts.default.ok, `writes, CAS and default reads are linearizable${says(verdicts.default)}`);
  t.ok(verdicts.both.ok, `writes, CAS, default and ?consistent reads together are linearizable${says(verdicts.both)}`);
});
