#!/usr/bin/env node
// Fails the test run when coverage falls below the floor this project keeps.
// tap's own rule is all-or-nothing (100%); .taprc turns it off in favour of this.
import { readFileSync } from 'node:fs';

const FLOOR = { lines: 85, statements: 85, functions: 85, branches: 80 };
const path = process.argv[2] ?? '.tap/report/coverage-summary.json';

let summary;
try {
  summary = JSON.parse(readFileSync(path, 'utf8')).total;
} catch (err) {
  console.error(`check-coverage: cannot read ${path}: ${err.message}`);
  process.exit(1);
}
const low = Object.entries(FLOOR).filter(([k, floor]) => summary[k].pct < floor);
for (const [k, v] of Object.entries(FLOOR)) {
  console.log(`coverage ${k}: ${summary[k].pct}% (floor ${v}%)`);
}
if (low.length > 0) {
  console.error(`check-coverage: below the floor: ${low.map(([k]) => k).join(', ')}`);
  process.exit(1);
}
