export { healthFromExitCode, healthFromProcessState, healthDisplay, healthHttpStatus } from './status.js';
export { HealthCheckSchedule, HealthCheckLoop, type HealthCheckLoopDeps, type HealthCheckLoopOptions } from './schedule.js';
export * from './constants.js';
