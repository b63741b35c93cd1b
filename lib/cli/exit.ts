import { ChorusError, ErrorCode, isChorusError, messageOf } from '../core/errors.js';

/** Exit statuses of the `chorus` command. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Bad flags, arguments or configuration: the command was used wrongly. */
export const EXIT_USAGE = 2;

export function exitCodeFor(err: unknown): number {
  if (isChorusError(err, ErrorCode.InvalidConfig) || isChorusError(err, ErrorCode.BadRequest)) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** One line for a person: our messages as they are, anything else marked as unexpected. */
export function describeError(err: unknown): string {
  if (err instanceof ChorusError) return err.message;
  return `unexpected error: ${messageOf(err)}`;
}
