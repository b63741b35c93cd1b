export { Backoff, type BackoffOptions } from './backoff.js';
export { RestartTracker, type LastProcessState, type RestartTrackerDeps } from './tracker.js';
export * from './constants.js';
