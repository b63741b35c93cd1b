import { resolve } from 'node:path';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { parseAddress, type Address } from '../core/address.js';
import { DEFAULT_CTL_PORT, defaultDataDir } from './defaults.js';

/** Where the CLI finds the supervisor it drives, and how it proves it may. */
export interface CtlTarget {
  address: Address;
  /** The secret from the environment, if set there. */
  secret: string | undefined;
  /** The data directory whose CTL_SECRET file is read when the environment has none. */
  dataDir: string;
}

export function resolveCtlTarget(
  flags: { remoteSup?: string | undefined; dataDir?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): CtlTarget {
  const text = flags.remoteSup ?? (env.CHORUS_SUP_CTL_ADDR || env.HAB_SUP_CTL_ADDR || `127.0.0.1:${DEFAULT_CTL_PORT}`);
  const address = parseAddress(text, DEFAULT_CTL_PORT);
  if (typeof address === 'string') {
    const origin = flags.remoteSup !== undefined ? '' : ' (from the environment)';
    throw new ChorusError(ErrorCode.InvalidConfig, `invalid value for --remote-sup${origin}: ${address}`);
  }
  return {
    address,
    secret: env.CHORUS_CTL_SECRET || env.HAB_CTL_SECRET || undefined,
    dataDir: resolve(cwd, flags.dataDir ?? (env.CHORUS_DATA_DIR || defaultDataDir())),
  };
}
