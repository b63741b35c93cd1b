import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_HTTP_PORT = 9631;
export const DEFAULT_CTL_PORT = 9632;
export const DEFAULT_GOSSIP_PORT = 9638;

export const DEFAULTS = {
  listenHttp: `0.0.0.0:${DEFAULT_HTTP_PORT}`,
  listenGossip: `0.0.0.0:${DEFAULT_GOSSIP_PORT}`,
  listenCtl: `127.0.0.1:${DEFAULT_CTL_PORT}`,
  datacenter: 'dc1',
  logLevel: 'info',
  logFormat: 'json',
  /** Nice steps between the main thread and the helper threads (core/thread-priority.ts). */
  backgroundNice: 10,
} as const;

/**
 * Habitat keeps its state in /hab/sup/default, which needs root. Chorus keeps
 * it under the user's home so `npm start` works with no set-up.
 */
export function defaultDataDir(home = homedir()): string {
  return join(home, '.chorus', 'sup', 'default');
}

export function defaultNodeName(): string {
  return hostname();
}
