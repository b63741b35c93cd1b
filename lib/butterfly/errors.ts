import { ChorusError, ErrorCode } from '../core/index.js';

/** Why an incoming packet or stream message was dropped; the reason is the drop counter's name. */
export type DropReason =
  | 'empty'
  | 'oversized'
  | 'version'
  | 'type'
  | 'malformed'
  | 'shape'
  | 'field'
  | 'count'
  | 'wrong-target'
  | 'bad-coordinate'
  | 'handler';

/** Thrown by the decoders and caught by the receive path, which drops and counts. Never escapes a handler. */
export class DecodeError extends Error {
  readonly reason: DropReason;
  readonly field: string | undefined;

  constructor(reason: DropReason, field?: string) {
    super(field === undefined ? reason : `${reason}: ${field}`);
    this.name = 'DecodeError';
    this.reason = reason;
    this.field = field;
  }
}

export function notRunning(what: string): ChorusError {
  return new ChorusError(ErrorCode.Unavailable, `membership is not running: cannot ${what}`);
}

export function invalidOption(name: string, value: unknown, why: string): ChorusError {
  return new ChorusError(ErrorCode.InvalidConfig, `butterfly option ${name}=${String(value)}: ${why}`, {
    details: { option: name, value },
  });
}

export function joinFailed(seeds: readonly string[], cause: unknown): ChorusError {
  return new ChorusError(ErrorCode.Unavailable, `could not reach any of ${seeds.length} seed(s)`, {
    cause,
    details: { seeds },
  });
}
