import type { Command } from 'commander';
import { loadNodeConfig, OPTION_LIST } from '../config/index.js';
import { createLogger, type Logger } from '../core/logger.js';
import { describeError, exitCodeFor, EXIT_FAILURE, EXIT_OK } from './exit.js';

/** How long a stop may take before the process gives up and exits non-zero. */
const STOP_DEADLINE_MS = 4500;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `chorus sup run`: its flags come from the option table in lib/config. */
export function registerSupRun(sup: Command): void {
  const run = sup.command('run').description('run the Supervisor: gossip, control gateway and HTTP gateway');
  for (const spec of OPTION_LIST) {
    const env = spec.env.length > 0 ? ` [env: ${spec.env.join(', ')}]` : '';
    if (spec.boolean) run.option(`--${spec.flag}`, `${spec.description}${env}`);
    else if (spec.repeatable) run.option(`--${spec.flag} <value>`, `${spec.description}${env}`, collect);
    else run.option(`--${spec.flag} <value>`, `${spec.description}${env}`);
  }
  run.option('--config <file>', 'TOML file with the same settings (snake_case keys) [env: CHORUS_CONFIG]');
  run.action(async (opts: Record<string, unknown>) => {
    process.exitCode = await supRun(opts);
  });
}

export async function supRun(opts: Record<string, unknown>): Promise<number> {
  const flags: Record<string, unknown> = {};
  for (const spec of OPTION_LIST) {
    // commander names options in camelCase after the flag: --listen-http → listenHttp, --peer → peer.
    const camel = spec.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (opts[camel] !== undefined) flags[spec.key] = opts[camel];
  }
  if (typeof opts.config === 'string') flags.config = opts.config;

  let config;
  try {
    config = await loadNodeConfig({ flags, env: process.env, cwd: process.cwd() });
  } catch (err) {
    process.stderr.write(`chorus: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }

  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // Loaded here, not at the top: every other command would pay for the node's modules.
  const { ChorusNode } = await import('../node.js');
  const node = new ChorusNode(config, { logger, env: process.env });
  let signalled = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled++;
    if (signalled > 1) {
      logger.warn(`${signal} again: exiting without a clean stop`);
      process.exit(EXIT_FAILURE);
    }
    logger.info(`${signal} received, stopping`);
    node.requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  installLastResortHandlers(logger);

  try {
    await node.start();
  } catch (err) {
    logger.error({ code: (err as { code?: string }).code }, describeError(err));
    process.stderr.write(`chorus: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }

  await node.stopRequested;
  const deadline = setTimeout(() => {
    logger.error(`the Supervisor did not stop within ${STOP_DEADLINE_MS} ms; exiting anyway`);
    process.exit(EXIT_FAILURE);
  }, STOP_DEADLINE_MS);
  deadline.unref();
  try {
    await node.stop();
  } catch (err) {
    logger.error({ err }, 'error while stopping');
    return EXIT_FAILURE;
  }
  clearTimeout(deadline);
  logger.info('Supervisor stopped');
  return EXIT_OK;
}

/**
 * A bug in one request or timer must not take the whole node down with the
 * services it supervises; it is logged loudly instead.
 */
function installLastResortHandlers(logger: Logger): void {
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception (bug): the node keeps running'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection (bug): the node keeps running'));
}
