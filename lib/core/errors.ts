/**
 * Every error Chorus raises on purpose is a ChorusError with a stable `code`.
 * The gateway maps codes to HTTP statuses in one place (lib/gateway/errors.ts);
 * the CLI maps them to exit statuses. Messages are for people, codes for code.
 */
export const ErrorCode = {
  /** A configuration value, flag or environment variable is invalid. */
  InvalidConfig: 'INVALID_CONFIG',
  /** A request or argument is malformed. */
  BadRequest: 'BAD_REQUEST',
  /** The named thing does not exist. */
  NotFound: 'NOT_FOUND',
  /** The operation conflicts with current state (versions, CAS). */
  Conflict: 'CONFLICT',
  /** Credentials are missing or wrong. */
  Unauthorized: 'UNAUTHORIZED',
  /** Credentials are valid but do not allow this. */
  Forbidden: 'FORBIDDEN',
  /** A body or value is larger than allowed. */
  TooLarge: 'TOO_LARGE',
  /** The node is not ready, or no leader is known. */
  Unavailable: 'UNAVAILABLE',
  /** A network address is already bound by someone else. */
  AddressInUse: 'ADDRESS_IN_USE',
  /** The data directory is held by another live process. */
  DataDirLocked: 'DATA_DIR_LOCKED',
  /** A file in the data directory is unreadable or corrupt. */
  CorruptData: 'CORRUPT_DATA',
  /** An operation was aborted because the node is stopping. */
  ShuttingDown: 'SHUTTING_DOWN',
  /** An operation did not finish in time. */
  Timeout: 'TIMEOUT',
  /** An operation that depends on others (a join, a forwarded request) failed; the message says why. */
  OperationFailed: 'OPERATION_FAILED',
  /**
   * A well-formed request the catalog's rules refuse ("Must provide node",
   * "Unknown service ID …"): Consul answers these with 500 and the reason.
   */
  Rejected: 'REJECTED',
  /** A bug: something that should not happen did. */
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ChorusErrorOptions {
  cause?: unknown;
  /** Structured facts about the failure, safe to log and to show a client. */
  details?: Record<string, unknown>;
}

export class ChorusError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ChorusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChorusError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isChorusError(err: unknown, code?: ErrorCode): err is ChorusError {
  return err instanceof ChorusError && (code === undefined || err.code === code);
}

/** The message of anything thrown, without assuming it is an Error. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
