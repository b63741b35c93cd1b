import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Random } from '../../core/random.js';
import { HealthCheckLoop, healthDisplay, healthFromExitCode, healthFromProcessState } from '../health/index.js';
import type { HealthStatus } from '../types.js';
import { MAX_HEALTH_CHECK_TIMEOUT_MS, MIN_HEALTH_CHECK_TIMEOUT_MS } from './constants.js';
import type { ServiceHooks } from './hooks.js';

export interface ServiceHealthDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  hooks: ServiceHooks;
  serviceGroup: string;
  /** Whether the package ships a health-check hook. */
  hasHook: boolean;
  /** Whether the run hook is running now (health without a hook follows it). */
  isUp: () => boolean;
  /** The last result, and where a new one goes. */
  current: () => HealthStatus;
  onChange: (status: HealthStatus) => void;
}

/**
 * The health-check loop of one service: the hook's exit code mapped to a
 * health (a hook that overruns the interval, clamped to 10..30 s, is Unknown), or the process
 * state when there is no hook. Only changes are reported.
 */
export function serviceHealthLoop(deps: ServiceHealthDeps, intervalMs: number): HealthCheckLoop {
  return new HealthCheckLoop(
    {
      clock: deps.clock,
      random: deps.random,
      check: async (signal) => {
        if (!deps.hasHook) return healthFromProcessState(deps.isUp() ? 'up' : 'down');
        const result = await deps.hooks.run('health-check', { signal, timeoutMs: Math.max(MIN_HEALTH_CHECK_TIMEOUT_MS, Math.min(intervalMs, MAX_HEALTH_CHECK_TIMEOUT_MS)) });
        if (result.code !== null && (result.code < 0 || result.code > 3)) {
          deps.logger.warn(`${deps.serviceGroup}: Health check exited with an unknown status code: ${result.code}`);
        }
        return healthFromExitCode(result.timedOut ? null : result.code);
      },
      onResult: (status) => {
        if (status === deps.current()) return;
        deps.logger.info(`${deps.serviceGroup}: health is ${healthDisplay(status)}`);
        deps.onChange(status);
      },
    },
    { intervalMs },
  );
}
