import { isMaintenanceCheck } from './local-state.js';
import type { LocalCheck } from './types.js';

/** api.HealthChecks.AggregatedStatus: maintenance beats critical beats warning beats passing; no checks is passing. */
export function aggregatedStatus(checks: readonly LocalCheck[]): string {
  let warning = false;
  let critical = false;
  let maintenance = false;
  for (const c of checks) {
    if (isMaintenanceCheck(c.CheckID)) {
      maintenance = true;
      continue;
    }
    if (c.Status === 'critical') critical = true;
    else if (c.Status === 'warning') warning = true;
  }
  if (maintenance) return 'maintenance';
  if (critical) return 'critical';
  if (warning) return 'warning';
  return 'passing';
}

/** The agent health endpoints' HTTP status for an aggregated status: 200, 429, or 503 (critical, maintenance). */
export function healthHttpStatus(status: string): number {
  if (status === 'passing') return 200;
  if (status === 'warning') return 429;
  return 503;
}
