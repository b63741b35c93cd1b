import Router from '@koa/router';
import type { HabitatView } from '../types.js';
import { sendJson } from '../respond.js';

/** Habitat's supervisor routes (reference/habitat.md §1.2). Errors here have empty bodies. */
export function habitatRoutes(view: HabitatView): Router {
  const router = new Router();
  router.use(async (ctx, next) => {
    ctx.state.errorBody = 'empty';
    await next();
  });
  router.get('/services', (ctx) => {
    sendJson(ctx, view.services());
  });
  return router;
}
