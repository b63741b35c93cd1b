import { ErrorCode, isChorusError } from '../core/errors.js';
import { ConsulApiError, ConsulErrorCode } from './consul/errors.js';

/** The one place an error code becomes an HTTP status. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.InvalidConfig]: 400,
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.AddressInUse]: 500,
  [ErrorCode.DataDirLocked]: 500,
  [ErrorCode.CorruptData]: 500,
  [ErrorCode.ShuttingDown]: 503,
  [ErrorCode.Timeout]: 504,
  [ErrorCode.OperationFailed]: 500,
  [ErrorCode.Rejected]: 500,
  [ErrorCode.Internal]: 500,
};

/** Consul's own statuses for the mistakes it answers unusually (see consul/errors.ts). */
const STATUS_BY_CONSUL_CODE: Record<ConsulErrorCode, number> = {
  [ConsulErrorCode.NoPathToDatacenter]: 500,
  [ConsulErrorCode.InvalidNumber]: 500,
  [ConsulErrorCode.MethodNotAllowed]: 405,
  [ConsulErrorCode.Refused]: 500,
  [ConsulErrorCode.InvalidFilter]: 500,
};

export function statusForError(err: unknown): number {
  if (isChorusError(err)) return STATUS_BY_CODE[err.code];
  if (err instanceof ConsulApiError) return STATUS_BY_CONSUL_CODE[err.code];
  // Errors from Koa and its body parsers carry an expose-safe status.
  const status = (err as { status?: unknown; expose?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 600) return status;
  return 500;
}

/** What a client may see of an error: our own messages, never an internal one or a stack. */
export function publicMessage(err: unknown, status: number): string {
  if (isChorusError(err) && err.code !== ErrorCode.Internal) return err.message;
  if (err instanceof ConsulApiError) return err.message;
  const e = err as { expose?: unknown; message?: unknown } | null;
  if (e?.expose === true && typeof e.message === 'string') return e.message;
  return status >= 500 ? 'Internal Server Error' : 'Bad Request';
}
