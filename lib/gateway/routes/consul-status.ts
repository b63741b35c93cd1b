import Router from '@koa/router';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { ClusterStatus } from '../types.js';
import { sendJson } from '../respond.js';

/** `/v1/status/leader` and `/v1/status/peers` (reference/consul-api.md). */
export function consulStatusRoutes(cluster: ClusterStatus, datacenter: string): Router {
  const router = new Router({ prefix: '/v1/status' });
  router.use(async (ctx, next) => {
    const dc = ctx.query.dc;
    if (typeof dc === 'string' && dc !== '' && dc !== datacenter) throw new ChorusError(ErrorCode.OperationFailed, 'No path to datacenter');
    await next();
  });
  router.get('/leader', (ctx) => sendJson(ctx, cluster.leader()));
  router.get('/peers', (ctx) => sendJson(ctx, cluster.peers()));
  return router;
}
