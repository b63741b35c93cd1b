export { SupervisedProcess, type SupervisedProcessDeps, type SupervisedProcessOptions } from './supervised-process.js';
export { runHook, type HookRunDeps, type HookRunOptions } from './hook-runner.js';
export { reapStaleProcess } from './stale.js';
export { signalGroup, groupAlive } from './group.js';
export { LineSplitter, TailBuffer } from './lines.js';
export * from './constants.js';
export type * from './types.js';
