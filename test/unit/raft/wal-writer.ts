/** Child process for the kill -9 test: appends batches to a WAL forever, printing each index once it is synced. */
import { FileLogStore } from '../../../lib/raft/index.js';

const dir = process.argv[2]!;
const log = new FileLogStore(dir);
await log.open();
let index = log.lastIndex();
for (;;) {
  const batch = Array.from({ length: 1 + (index % 7) }, () => {
    index++;
    return { index, term: 1, kind: 'command' as const, data: Buffer.alloc(100 + (index % 300), index & 255) };
  });
  log.append(batch);
  await log.sync();
  process.stdout.write(`${index}\n`);
}
