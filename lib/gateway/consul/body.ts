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
  const req = ctx.req;
  if (req.readableEnded) return Buffer.alloc(0);
  // Plain 'data' events rather than `for await`: this runs on every write, and
  // the async iterator costs a promise and its objects per chunk.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > max) {
        done();
        // The rest is not read; the connection closes after the answer.
        req.pause();
        ctx.set('Connection', 'close');
        reject(refuse(total, max));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onClose = (): void => {
      done();
      reject(new ChorusError(ErrorCode.BadRequest, 'the request body ended early'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
