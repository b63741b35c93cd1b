import { ChorusError, ErrorCode } from '../core/index.js';
import type { RaftCore } from './core.js';
import { configChangeInProgress, notLeader } from './errors.js';
import type { Leadership } from './leadership.js';
import type { Configuration, ServerId } from './types.js';

export interface MembershipDeps {
  core: RaftCore;
  leadership(): Leadership | undefined;
  /** Appends a configuration entry and resolves once it is applied. */
  appendConfig(config: Configuration): Promise<unknown>;
}

/**
 * Single-server membership changes (Ongaro's thesis §4): one change at a
 * time, only after the leader has committed an entry of its term. A new
 * server joins as a non-voter and is promoted once its log has caught up, so
 * adding it never leaves the cluster without a working quorum.
 */
export class Membership {
  readonly #d: MembershipDeps;

  constructor(deps: MembershipDeps) {
    this.#d = deps;
  }

  #leader(): Leadership {
    const l = this.#d.leadership();
    const core = this.#d.core;
    if (l === undefined) throw notLeader(core.leaderId, core.leaderAddress);
    return l;
  }

  #checkChangeAllowed(): Leadership {
    const l = this.#leader();
    const core = this.#d.core;
    if (!l.committedInTerm() || core.configs.latest().index > core.commitIndex) throw configChangeInProgress();
    return l;
  }

  async addServer(id: ServerId, address: string): Promise<void> {
    const core = this.#d.core;
    this.#checkChangeAllowed();
    const current = core.latestConfig();
    const existing = current.servers.find((s) => s.id === id);
    if (existing?.suffrage === 'voter' && existing.address === address) return;
    if (existing === undefined || existing.address !== address) {
      const servers = current.servers.filter((s) => s.id !== id);
      servers.push({ id, address, suffrage: existing?.suffrage ?? 'nonvoter' });
      await this.#d.appendConfig({ servers });
      if (existing?.suffrage === 'voter') return;
    }
    await this.#catchUp(id);
    this.#checkChangeAllowed();
    const latest = core.latestConfig();
    if (!latest.servers.some((s) => s.id === id)) throw new ChorusError(ErrorCode.Conflict, `server ${id} was removed while catching up`);
    await this.#d.appendConfig({ servers: latest.servers.map((s) => (s.id === id ? { ...s, suffrage: 'voter' as const } : s)) });
  }

  /** Waits until the non-voter's log is within `promoteWithinEntries` of ours. */
  #catchUp(id: ServerId): Promise<void> {
    const core = this.#d.core;
    const deadline = core.clock.now() + core.options.catchUpTimeoutMs;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const l = this.#d.leadership();
        if (l === undefined) return reject(notLeader(core.leaderId, core.leaderAddress));
        const pr = l.progress.get(id);
        if (pr === undefined) return reject(new ChorusError(ErrorCode.Conflict, `server ${id} left the configuration while catching up`));
        if (core.log.lastIndex() - pr.matchIndex <= core.options.promoteWithinEntries) return resolve();
        if (core.clock.now() >= deadline) {
          return reject(new ChorusError(ErrorCode.Timeout, `server ${id} did not catch up within ${core.options.catchUpTimeoutMs} ms`, { details: { id } }));
        }
        core.clock.setTimer(core.options.heartbeatIntervalMs, check);
      };
      check();
    });
  }

  async removeServer(id: ServerId): Promise<void> {
    const core = this.#d.core;
    this.#checkChangeAllowed();
    const current = core.latestConfig();
    if (!current.servers.some((s) => s.id === id)) return;
    const servers = current.servers.filter((s) => s.id !== id);
    if (!servers.some((s) => s.suffrage === 'voter')) throw new ChorusError(ErrorCode.Conflict, 'cannot remove the last voter');
    await this.#d.appendConfig({ servers });
  }
}
