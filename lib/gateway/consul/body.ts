import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';

/** Consul's kv_max_value_size default. */
export const DEFAULT_MAX_VALUE_SIZE = 512 * 1024;

function tooLarge(bytes: number, max: number): ChorusError {
  return new ChorusError(
    ErrorCode.TooLarge,
    `Request body(${bytes} bytes) too large, max size: ${max} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
  );
}

/**
 * Reads the raw request body whatever its Content-Type (clients label KV
 * values text/plain, form-encoded or JSON; all are just bytes). A declared
 * Content-Length over `max` is refused before reading, as Consul does; a
 * chunked body is counted as it arrives and refused once it passes `max`.
 */
export async function readRawBody(
  ctx: Context, max: number, refuse: (bytes: number, max: number) => Error = tooLarge,
): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || NaN);
  if (declared > max) {
    ctx.set('Connection', 'close');
    throw refuse(declared, max);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      ctx.set('Connection', 'close');
      throw refuse(total, max);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
