export type {
  CheckExecutors, CheckNotify, CheckRunner, GrpcCheckRequest, GrpcCheckResult, HttpCheckRequest, HttpCheckResult, ScriptResult, TcpCheckResult, UdpCheckResult,
} from './types.js';
export { IntervalRunner, type Probe } from './interval.js';
export { grpcProbe, httpProbe, scriptProbe, tcpProbe, udpProbe } from './probes.js';
export { TtlRunner, truncateOutput } from './ttl.js';
export { withThresholds, type StatusThresholds } from './status-handler.js';
export { createRunner, type CreatedRunner, type RunnerDeps, type RunnerOptions } from './factory.js';
export { CriticalServiceReaper } from './reaper.js';
export { systemExecutors } from './executors.js';
export { AliasRunner, aliasStatus, type AliasedCheck, type AliasSource, type AliasTarget } from './alias.js';
