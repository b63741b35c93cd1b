import Router from '@koa/router';
import type { Context } from 'koa';
import type { GossipView, HabitatView } from '../types.js';
import { sendJson } from '../respond.js';

/**
 * Habitat's supervisor routes (reference/habitat.md §1.2), registered in
 * Habitat's order so `/config` and `/health` win over an org of that name.
 * Errors here have empty bodies: 400 for an invalid service group, 404 for
 * one that is not loaded.
 */
export function habitatRoutes(view: HabitatView, gossip: GossipView): Router {
  const router = new Router();
  router.use(async (ctx, next) => {
    ctx.state.errorBody = 'empty';
    await next();
  });

  const group = (ctx: Context): string => {
    const { svc, group, org } = ctx.params as Record<string, string>;
    return org === undefined ? `${svc}.${group}` : `${svc}.${group}@${org}`;
  };
  const model = (ctx: Context): void => sendJson(ctx, view.service(group(ctx)).model());
  const config = (ctx: Context): void => sendJson(ctx, view.service(group(ctx)).config());
  const health = async (ctx: Context): Promise<void> => {
    const { body, httpStatus } = await view.service(group(ctx)).health();
    sendJson(ctx, body, httpStatus);
  };

  router.get('/butterfly', (ctx) => sendJson(ctx, gossip.butterfly()));
  router.get('/census', (ctx) => {
    ctx.status = 200;
    ctx.body = view.censusJson();
    ctx.set('Content-Type', 'application/json');
  });
  router.get('/services', (ctx) => sendJson(ctx, view.services()));
  router.get('/services/:svc/:group', model);
  router.get('/services/:svc/:group/config', config);
  router.get('/services/:svc/:group/health', health);
  router.get('/services/:svc/:group/:org', model);
  router.get('/services/:svc/:group/:org/config', config);
  router.get('/services/:svc/:group/:org/health', health);
  return router;
}
