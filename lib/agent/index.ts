/**
 * The local agent's public face: agent-local services and checks, their
 * runners, persistence and anti-entropy with the catalog (Consul's
 * agent/local, agent/checks, agent/ae).
 */
export * from './types.js';
export * from './constants.js';
export { LocalAgent, type LocalAgentDeps, type LocalAgentOptions, type ExternalCheck, type RegisterServiceOptions } from './agent.js';
export { LocalState, isMaintenanceCheck, type ServiceEntry, type CheckEntry, type StateChange } from './local-state.js';
export { AntiEntropy, scaleFactor, type AntiEntropyDeps, type AntiEntropyOptions } from './anti-entropy.js';
export type { CatalogSync, RegisterRequest, DeregisterRequest, CatalogNodeState, AgentNodeInfo } from './catalog-sync.js';
export { aggregatedStatus, healthHttpStatus } from './health.js';
export { formatGoDuration } from './duration.js';
export { agentServiceJson, contentHash, healthCheckJson, nodeServiceJson, serviceFromDefinition, type NodeServiceJson } from './shapes.js';
export { validateServiceDefinition, validateCheckDefinition, checkType } from './validate.js';
export { AgentStateFile, type PersistedState, type PersistedCheck } from './persist.js';
export * from './checks/index.js';
