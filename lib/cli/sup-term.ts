import type { Command } from 'commander';
import { connectCtl, withCtlOptions } from './ctl.js';

/** `chorus sup term`: asks a Supervisor to stop gracefully. */
export function registerSupTerm(sup: Command): void {
  withCtlOptions(sup.command('term').description('stop a running Supervisor gracefully')).action(
    async (opts: { remoteSup?: string; dataDir?: string }) => {
      const client = await connectCtl(opts);
      try {
        await client.request('SupTerm');
        process.stdout.write('Supervisor stopping.\n');
      } finally {
        client.close();
      }
    },
  );
}
