import { messageOf } from '../core/index.js';
import type { RaftCore } from './core.js';
import type { PreVoteRequest, VoteRequest, VoteResponse } from './messages.js';
import type { ServerId, Term } from './types.js';

/**
 * Elections: randomized timeouts, pre-vote, votes, leader stickiness.
 * A pre-candidate asks "would you vote for me in term T+1?" without raising
 * its term; only with a quorum of yeses does it become a candidate. Servers
 * that heard from a leader within the election timeout say no to both, so a
 * server coming back from a partition cannot depose a healthy leader.
 */
export class Election {
  readonly #core: RaftCore;
  readonly #becomeLeader: () => void;
  /** Identifies the current campaign, so late replies to an old one are ignored. */
  #campaign = 0;

  constructor(core: RaftCore, becomeLeader: () => void) {
    this.#core = core;
    this.#becomeLeader = becomeLeader;
  }

  onElectionTimeout(): void {
    const core = this.#core;
    if (!core.running || core.role === 'leader') return;
    // A server outside the configuration (not yet added, or removed) never campaigns.
    if (!core.isVoter()) {
      core.resetElectionTimer();
      return;
    }
    core.count('election_timeouts');
    if (core.options.preVote) this.#preVote();
    else void this.#campaignForVotes();
  }

  #preVote(): void {
    const core = this.#core;
    const campaign = ++this.#campaign;
    const term = core.term;
    core.setRole('pre-candidate');
    core.resetElectionTimer();
    const req: PreVoteRequest = { type: 'preVote', term: term + 1, candidateId: core.id, lastLogIndex: core.log.lastIndex(), lastLogTerm: core.log.lastTerm() };
    this.#collect(campaign, req, () => core.role === 'pre-candidate' && core.term === term, () => void this.#campaignForVotes());
  }

  async #campaignForVotes(): Promise<void> {
    const core = this.#core;
    const campaign = ++this.#campaign;
    core.campaignTerm();
    const term = core.term;
    core.setRole('candidate');
    core.resetElectionTimer();
    core.count('elections');
    // Our own vote counts only once it is durable: a restart must not let us vote again in this term.
    try {
      await core.hardStateDurable;
    } catch {
      return;
    }
    const req: VoteRequest = { type: 'vote', term, candidateId: core.id, lastLogIndex: core.log.lastIndex(), lastLogTerm: core.log.lastTerm() };
    this.#collect(campaign, req, () => core.role === 'candidate' && core.term === term, () => this.#becomeLeader());
  }

  /** Sends `req` to every other voter; calls `won` once a quorum (counting us) said yes while `still()` holds. */
  #collect(campaign: number, req: PreVoteRequest | VoteRequest, still: () => boolean, won: () => void): void {
    const core = this.#core;
    const granted = new Set<ServerId>([core.id]);
    const quorum = core.quorum();
    const check = (): void => {
      if (campaign === this.#campaign && still() && granted.size >= quorum) {
        this.#campaign++;
        won();
      }
    };
    for (const server of core.latestConfig().servers) {
      if (server.id === core.id || server.suffrage !== 'voter') continue;
      core
        .request(server.address, req, core.options.rpcTimeoutMs)
        .then((resp: VoteResponse) => {
          if (!core.running || campaign !== this.#campaign) return;
          if (resp.term > core.term && !resp.granted) {
            core.observeTerm(resp.term);
            core.becomeFollower();
            return;
          }
          if (resp.granted) {
            granted.add(server.id);
            check();
          }
        })
        .catch((err: unknown) => core.logger.trace({ err: messageOf(err), to: server.id }, `${req.type} request failed`));
    }
    check();
  }

  handlePreVote(req: PreVoteRequest): VoteResponse {
    const core = this.#core;
    const granted = req.term > core.term && !core.inLeaderLease() && core.upToDate(req.lastLogIndex, req.lastLogTerm);
    return { type: 'voteResponse', term: core.term, granted };
  }

  async handleVote(req: VoteRequest): Promise<VoteResponse> {
    const core = this.#core;
    // Stickiness: while we hear from a leader, a higher term from a candidate is not adopted.
    if (req.term > core.term && core.inLeaderLease() && core.options.checkQuorum) {
      return { type: 'voteResponse', term: core.term, granted: false };
    }
    if (req.term > core.term) {
      core.observeTerm(req.term);
      if (core.role !== 'follower') core.becomeFollower();
    }
    const term: Term = core.term;
    const granted =
      req.term === term &&
      (core.votedFor === undefined || core.votedFor === req.candidateId) &&
      core.upToDate(req.lastLogIndex, req.lastLogTerm);
    if (granted) {
      core.vote(req.candidateId);
      core.resetElectionTimer();
    }
    await core.hardStateDurable;
    return { type: 'voteResponse', term, granted };
  }
}
