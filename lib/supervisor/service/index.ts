export { Service, type ServiceDeps, type ServiceInit } from './service.js';
export { parseServiceSpec, parseBind, checkSpecAgainstPackage, specToToml, specFromToml, serviceSpecInput, type ServiceSpecInput } from './spec.js';
export { serviceLayout, hookLogPaths, type ServiceLayout } from './layout.js';
export { buildQueryModel, duration, type ServiceQueryModel, type ServiceSnapshot, type DurationModel, type HookModel } from './query-model.js';
export { resolveBinds, activeMembers, selfMember, svcInfo, type BindResolution } from './context.js';
export * from './constants.js';
export type * from './types.js';
