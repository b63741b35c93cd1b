import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isChorusError } from '../core/errors.js';
import { bearerMatches } from './auth.js';
import { agentMembersView } from './members.js';
import type { ConsulMember } from './types.js';

export const NOT_STARTED = "Supervisor hasn't fully started. Try again later.";

export interface EarlyGatewayDeps {
  /** When set, every request must carry `Authorization: Bearer <token>`, as with the full gateway. */
  authToken?: string | undefined;
  /**
   * The gossip members in Consul's shape, or undefined when they may not be
   * shown yet (with ACLs on, only the full gateway can tell who may read them).
   */
  members: () => ConsulMember[] | undefined;
}

/**
 * What the HTTP port answers between gossip starting and the full gateway
 * (Koa, the catalog, the supervisor) being loaded, which takes a few hundred
 * milliseconds: the membership, which is all gossip and is what a joining
 * agent is watched through, and for everything else seed 000's 503 "not fully
 * started" with Retry-After, so clients retry instead of failing to connect.
 */
export function earlyGateway(deps: EarlyGatewayDeps): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // a body is not read, and must not hold the connection
    if (deps.authToken !== undefined && !bearerMatches(req.headers.authorization, deps.authToken)) {
      res.writeHead(401, { 'content-length': '0' }).end();
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway');
    } catch {
      res.writeHead(400, { 'content-length': '0' }).end();
      return;
    }
    const members = req.method === 'GET' && url.pathname === '/v1/agent/members' ? deps.members() : undefined;
    if (members === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' }).end(NOT_STARTED);
      return;
    }
    const q = url.searchParams;
    const wan = q.getAll('wan');
    let view: ConsulMember[];
    try {
      view = agentMembersView(members, wan.length === 1 ? wan[0] : wan, q.has('segment'));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(isChorusError(err) ? err.message : 'Bad request');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(view, null, q.has('pretty') ? 4 : undefined));
  };
}
