import Router from '@koa/router';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { AgentView, GossipView } from '../types.js';
import { sendJson } from '../respond.js';
import { aclState, filterByAcl, requirePermission } from '../consul/acl.js';

/** Consul's agent endpoints that speak for the gossip ring (reference/consul-api.md §1.2). */
export function consulAgentRoutes(gossip: GossipView, agent?: AgentView): Router {
  const router = new Router({ prefix: '/v1/agent' });

  if (agent !== undefined) {
    router.get('/self', (ctx) => {
      const acl = aclState(ctx);
      requirePermission(ctx, acl.authorizer.agentRead(acl.nodeName));
      sendJson(ctx, agent.self());
    });
  }

  router.get('/members', (ctx) => {
    const wan = ctx.query.wan;
    if (typeof wan === 'string' && wan !== '' && ctx.query.segment !== undefined) {
      throw new ChorusError(ErrorCode.BadRequest, 'Cannot provide a segment with wan=true');
    }
    // One datacenter, no WAN pool: the WAN view is the servers, as Consul shows them.
    const authz = aclState(ctx).authorizer;
    const members = filterByAcl(ctx, gossip.members(), (m) => authz.nodeRead(m.Name));
    sendJson(ctx, typeof wan === 'string' && wan !== '' ? members.filter((m) => m.Tags.role === 'consul') : members);
  });

  router.put('/join/:address', async (ctx) => {
    const acl = aclState(ctx);
    requirePermission(ctx, acl.authorizer.agentWrite(acl.nodeName));
    await gossip.join(ctx.params.address!);
    ctx.status = 200;
    ctx.body = '';
  });

  router.put('/force-leave/:node', (ctx) => {
    requirePermission(ctx, aclState(ctx).authorizer.operatorWrite());
    gossip.forceLeave(ctx.params.node!);
    ctx.status = 200;
    ctx.body = '';
  });

  return router;
}
