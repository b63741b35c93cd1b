import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { runHook } from '../process/hook-runner.js';
import type { HookCommand, HookResult, LineSink } from '../process/types.js';
import type { HookName } from '../types.js';
import { SERVICE_MARKER_ENV } from './constants.js';
import { hookLogPaths, type ServiceLayout } from './layout.js';

export interface ServiceHooksDeps {
  clock: Clock;
  logger: Logger;
}

/**
 * Runs a service's rendered hooks: each in the service directory, with the
 * node's environment plus the marker that identifies the service's
 * processes, output logged per hook and to the node log.
 */
export class ServiceHooks {
  readonly #deps: ServiceHooksDeps;
  readonly #layout: ServiceLayout;
  readonly #serviceGroup: string;
  readonly #env: Record<string, string>;

  constructor(deps: ServiceHooksDeps, layout: ServiceLayout, serviceGroup: string, env: Record<string, string>) {
    this.#deps = deps;
    this.#layout = layout;
    this.#serviceGroup = serviceGroup;
    this.#env = { ...env, [SERVICE_MARKER_ENV]: layout.svcPath };
  }

  command(hook: HookName): HookCommand {
    return { path: `${this.#layout.hooksPath}/${hook}`, cwd: this.#layout.svcPath, env: this.#env };
  }

  /** Habitat's log prefixes: `svc.group(O): line` for run, `svc.group hook[init]:(HK): line` for the others. */
  lineSink(hook: HookName): LineSink {
    const log = this.#deps.logger;
    const sg = this.#serviceGroup;
    if (hook === 'run') return (stream, line) => log.info(`${sg}(${stream === 'stdout' ? 'O' : 'E'}): ${line}`);
    return (stream, line) => log.info(`${sg} hook[${hook}]:(${stream === 'stdout' ? 'HK' : 'HE'}): ${line}`);
  }

  /** Runs a one-shot hook to the end; its output replaces `logs/<hook>.*.log`. */
  async run(hook: HookName, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<HookResult> {
    const result = await runHook(
      this.command(hook),
      { clock: this.#deps.clock, onLine: this.lineSink(hook) },
      { ...options, logs: hookLogPaths(this.#layout, hook) },
    );
    if (result.spawnError !== undefined) {
      this.#deps.logger.error(`${this.#serviceGroup} hook[${hook}]: ${result.spawnError.message}`);
    } else if (result.timedOut) {
      this.#deps.logger.warn(`${this.#serviceGroup} hook[${hook}]: killed after ${options.timeoutMs} ms`);
    }
    return result;
  }
}
