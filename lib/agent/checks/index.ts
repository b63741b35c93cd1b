export type { CheckExecutors, CheckNotify, CheckRunner, HttpCheckRequest, HttpCheckResult, ScriptResult, TcpCheckResult } from './types.js';
export { IntervalRunner, type Probe } from './interval.js';
export { httpProbe, scriptProbe, tcpProbe } from './probes.js';
export { TtlRunner, truncateOutput } from './ttl.js';
export { withThresholds, type StatusThresholds } from './status-handler.js';
export { createRunner, type CreatedRunner, type RunnerDeps, type RunnerOptions } from './factory.js';
export { CriticalServiceReaper } from './reaper.js';
export { systemExecutors } from './executors.js';
