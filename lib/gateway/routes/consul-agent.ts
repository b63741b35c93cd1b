import Router from '@koa/router';
import type { AgentView, GossipView } from '../types.js';
import { sendJson } from '../respond.js';
import { agentMembersView } from '../members.js';
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
    const view = agentMembersView(gossip.members(), ctx.query.wan, ctx.query.segment !== undefined);
    const authz = aclState(ctx).authorizer;
    sendJson(ctx, filterByAcl(ctx, view, (m) => authz.nodeRead(m.Name)));
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
