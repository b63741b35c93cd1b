/**
 * Checks a report the KV fault runner wrote (kept in the run's directory when
 * a run fails) again, without running anything:
 *   node dist/test/fault/check-report.js /tmp/chorus-fault-XXXX/report.json
 */
import { readFileSync } from 'node:fs';
import { checkIndexes, checkRegisters, staleReadWitnesses, type RunnerReport } from './kv-history.js';

const report = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as RunnerReport;
const started = Date.now();
const all = checkRegisters(report.history, report.registerKeys, ['default', 'consistent']);
const out: Record<string, unknown> = { seed: report.seed, operations: report.history.length, linearizable: all, checkMs: Date.now() - started };
if (!all.ok) {
  out.consistentOnly = checkRegisters(report.history, [all.key!], ['consistent']);
  out.defaultOnly = checkRegisters(report.history, [all.key!], ['default']);
  out.writesOnly = checkRegisters(report.history, [all.key!], []);
  out.witnesses = staleReadWitnesses(report.history.filter((o) => o.key === all.key), ['default', 'consistent']);
}
out.indexProblems = checkIndexes(report.history).slice(0, 10);
out.ledger = report.ledger;
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
