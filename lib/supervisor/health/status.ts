import type { HealthDisplay, HealthStatus, ProcessStateName } from '../types.js';

/**
 * The health-check hook's exit code as a health: 0 ok, 1 warning, 2 critical,
 * 3 unknown, and anything else, a signal, or a hook that failed to run
 * (null) unknown too.
 */
export function healthFromExitCode(code: number | null): HealthStatus {
  switch (code) {
    case 0:
      return 'Ok';
    case 1:
      return 'Warning';
    case 2:
      return 'Critical';
    default:
      return 'Unknown';
  }
}

/** Without a health-check hook, health follows the process: up is ok, down is critical. */
export function healthFromProcessState(state: ProcessStateName): HealthStatus {
  return state === 'up' ? 'Ok' : 'Critical';
}

const DISPLAY: Record<HealthStatus, HealthDisplay> = { Ok: 'OK', Warning: 'WARNING', Critical: 'CRITICAL', Unknown: 'UNKNOWN' };

/** The uppercase spelling the `/health` route and the census use. */
export function healthDisplay(status: HealthStatus): HealthDisplay {
  return DISPLAY[status];
}

const HTTP: Record<HealthStatus, number> = { Ok: 200, Warning: 200, Critical: 503, Unknown: 500 };

/** The HTTP status of the `/health` route for a health (Habitat: 200, 200, 503, 500). */
export function healthHttpStatus(status: HealthStatus): number {
  return HTTP[status];
}
