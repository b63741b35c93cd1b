import { ChorusError, ErrorCode } from '../../core/errors.js';
import { filterError } from './filters.js';
import type { UserEventParams } from './types.js';

/** Consul's validateUserEventParams, with its texts. */
export function validateUserEventParams(p: UserEventParams): void {
  const refuse = (message: string): never => {
    throw new ChorusError(ErrorCode.BadRequest, message);
  };
  if (p.name === '') refuse('User event missing name');
  const node = p.nodeFilter ?? '';
  const service = p.serviceFilter ?? '';
  const tag = p.tagFilter ?? '';
  if (tag !== '' && service === '') refuse('Cannot provide tag filter without service filter');
  for (const [kind, pattern] of [['node', node], ['service', service], ['tag', tag]] as const) {
    const reason = pattern === '' ? undefined : filterError(kind, pattern);
    if (reason !== undefined) refuse(reason);
  }
}
