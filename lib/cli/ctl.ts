import type { Command } from 'commander';
import { resolveCtlTarget } from '../config/index.js';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { CtlClient } from '../ctl/index.js';
import { readCtlSecret } from '../datadir/index.js';

/** Adds the options every command that talks to a Supervisor takes. */
export function withCtlOptions(cmd: Command): Command {
  return cmd
    .option('-r, --remote-sup <addr>', 'control gateway of the Supervisor to talk to (default 127.0.0.1:9632) [env: HAB_SUP_CTL_ADDR]')
    .option('--data-dir <dir>', 'data directory whose CTL_SECRET to use (default ~/.chorus/sup/default) [env: CHORUS_DATA_DIR]');
}

/** Connects to the Supervisor named by the options, authenticating with its control secret. */
export async function connectCtl(opts: { remoteSup?: string; dataDir?: string }): Promise<CtlClient> {
  const target = resolveCtlTarget(opts, process.env, process.cwd());
  const secret = target.secret ?? (await readCtlSecret(target.dataDir));
  if (secret === undefined) {
    throw new ChorusError(
      ErrorCode.Unauthorized,
      `no control secret: set CHORUS_CTL_SECRET or point --data-dir at the Supervisor's data directory (looked in ${target.dataDir})`,
    );
  }
  try {
    return await CtlClient.connect({ host: target.address.host, port: target.address.port, secret });
  } catch (err) {
    if (err instanceof ChorusError && err.code === ErrorCode.Unauthorized) {
      throw new ChorusError(ErrorCode.Unauthorized, `the Supervisor refused the control secret (secret key mismatch)`);
    }
    throw err;
  }
}
