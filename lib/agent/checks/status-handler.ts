import type { CheckStatus } from '../types.js';
import type { CheckNotify } from './types.js';

export interface StatusThresholds {
  /** Consecutive good results before passing/warning is reported (default 0: at once). */
  successBeforePassing?: number;
  /** Consecutive failures before warning is reported (default: failuresBeforeCritical). */
  failuresBeforeWarning?: number;
  /** Consecutive failures before critical is reported (default 0: at once). */
  failuresBeforeCritical?: number;
}

/**
 * Consul's StatusHandler: a flapping check reports a change only after
 * enough results in a row agree. Below the failure threshold a failure may
 * be reported as a warning first.
 */
export function withThresholds(notify: CheckNotify, thresholds: StatusThresholds): CheckNotify {
  const successBefore = thresholds.successBeforePassing ?? 0;
  const criticalBefore = thresholds.failuresBeforeCritical ?? 0;
  const warningBefore = thresholds.failuresBeforeWarning || criticalBefore;
  let successes = 0;
  let failures = 0;
  return (status: CheckStatus, output: string) => {
    if (status === 'passing' || status === 'warning') {
      successes++;
      failures = 0;
      if (successes >= successBefore) notify(status, output);
      return;
    }
    failures++;
    successes = 0;
    if (failures >= criticalBefore) notify('critical', output);
    else if (failures >= warningBefore) notify('warning', output);
  };
}
