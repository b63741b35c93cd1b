import Koa from 'koa';
import type { Context, Next } from 'koa';
import type Router from '@koa/router';
import { authentication, errorHandler, readiness } from './middleware.js';
import { sendEmpty } from './respond.js';
import { habitatRoutes } from './routes/habitat.js';
import { consulAgentRoutes } from './routes/consul-agent.js';
import { consulKvRoutes } from './routes/consul-kv.js';
import { consulCatalogRoutes } from './routes/consul-catalog.js';
import { consulHealthRoutes } from './routes/consul-health.js';
import { consulStatusRoutes } from './routes/consul-status.js';
import { consulAgentLocalRoutes } from './routes/consul-agent-local.js';
import { consulEventRoutes } from './routes/consul-event.js';
import { consulSessionRoutes } from './routes/consul-session.js';
import { forwardToServer } from './forward-http.js';
import { aclMiddleware } from './consul/acl.js';
import { consulAclRoutes } from './routes/consul-acl.js';
import { consulCoordinateRoutes } from './routes/consul-coordinate.js';
import type { GatewayDeps } from './types.js';

/**
 * Builds the Koa application: errors → auth → readiness → routes. Auth sits
 * outside everything else so that no route, present or future, and no 404,
 * answers an unauthenticated caller.
 */
export function createGatewayApp(deps: GatewayDeps): Koa {
  const app = new Koa({ proxy: false });
  // Errors are logged by errorHandler; Koa's own handler would print stacks to stderr.
  app.silent = true;
  app.on('error', () => undefined);
  app.use(errorHandler(deps.logger));
  app.use(authentication(deps.authToken));
  app.use(readiness(deps.isReady));
  const routers: Router[] = [habitatRoutes(deps.habitat, deps.gossip), consulAgentRoutes(deps.gossip, deps.agent)];
  if (deps.events !== undefined) routers.push(consulEventRoutes(deps.events));
  if (deps.forwardTo !== undefined) app.use(forwardToServer(deps.forwardTo, deps.nodeName));
  // After forwarding: a client node's catalog requests are authorized by the server that answers them.
  app.use(aclMiddleware(deps.acl, deps.authToken !== undefined));
  if (deps.consul !== undefined) routers.push(consulAclRoutes(deps.consul, deps.acl));
  if (deps.consul !== undefined) routers.push(consulKvRoutes(deps.consul), consulCatalogRoutes(deps.consul), consulHealthRoutes(deps.consul));
  if (deps.consul !== undefined) routers.push(consulSessionRoutes(deps.consul));
  if (deps.consul !== undefined) routers.push(consulCoordinateRoutes(deps.consul));
  if (deps.cluster !== undefined) routers.push(consulStatusRoutes(deps.cluster, deps.consul?.backend.datacenter ?? 'dc1'));
  for (const router of routers) {
    app.use(router.routes());
  }
  // Its own dispatch (Consul's 405 texts), so it stays out of methodNotAllowed's router list.
  if (deps.agentLocal !== undefined) app.use(consulAgentLocalRoutes(deps.agentLocal));
  app.use(methodNotAllowed(routers));
  app.use(async (ctx) => {
    sendEmpty(ctx, 404);
  });
  return app;
}

/** 405 (with Allow) when the path exists under another method, as HTTP asks. */
function methodNotAllowed(routers: Router[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const allowed = new Set<string>();
    for (const router of routers) {
      const matched = router.match(ctx.path, ctx.method);
      for (const layer of matched.path) for (const m of layer.methods) allowed.add(m);
    }
    if (allowed.size > 0 && !allowed.has(ctx.method)) {
      ctx.set('Allow', [...allowed].join(', '));
      sendEmpty(ctx, 405);
      return;
    }
    await next();
  };
}
