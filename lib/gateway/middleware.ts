import type { Context, Next } from 'koa';
import type { Logger } from '../core/logger.js';
import { bearerMatches } from './auth.js';
import { NOT_STARTED } from './early.js';
import { isChorusError, type ChorusError } from '../core/errors.js';
import { publicMessage, statusForError } from './errors.js';
import { sendEmpty } from './respond.js';
import type { GatewayState } from './types.js';

/**
 * Outermost: turns any thrown error into a status from the one mapping in
 * errors.ts and a body without internals. Nothing escapes to Koa's default
 * handler, which could print a stack.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const status = statusForError(err);
      // A bug is logged with its stack; an expected failure (no leader during an election, a timeout) in one line.
      if (status >= 500 && !isChorusError(err)) logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      else if (status >= 500) logger.warn({ code: (err as ChorusError).code, method: ctx.method, path: ctx.path }, `request failed: ${(err as Error).message}`);
      else logger.debug({ err, method: ctx.method, path: ctx.path }, 'request refused');
      const state = ctx.state as GatewayState;
      if (state.errorBody === 'empty') {
        sendEmpty(ctx, status);
      } else {
        ctx.status = status;
        ctx.body = publicMessage(err, status);
        ctx.type = 'text/plain';
      }
    }
  };
}


/**
 * With a token configured, every route needs it; anything else is 401 with an
 * empty body and no WWW-Authenticate, exactly as Habitat answers.
 */
export function authentication(token: string | undefined) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (token !== undefined && !bearerMatches(ctx.get('Authorization') || undefined, token)) {
      sendEmpty(ctx, 401);
      return;
    }
    await next();
  };
}

/** Seed 000: until the supervisor has fully started, routes answer 503 (early.ts answers before the app exists). */
export function readiness(isReady: () => boolean) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!isReady()) {
      ctx.status = 503;
      ctx.body = NOT_STARTED;
      ctx.type = 'text/plain';
      ctx.set('Retry-After', '1');
      return;
    }
    await next();
  };
}
