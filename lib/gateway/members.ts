import { ChorusError, ErrorCode } from '../core/errors.js';
import type { ConsulMember } from './types.js';

/**
 * `/v1/agent/members` as Consul answers it, before ACL filtering: `?wan`
 * (any non-empty value) shows the WAN pool, which with one datacenter is its
 * servers; `?segment` together with `?wan` is refused.
 */
export function agentMembersView(members: readonly ConsulMember[], wan: unknown, segmentGiven: boolean): ConsulMember[] {
  const wanPool = typeof wan === 'string' && wan !== '';
  if (wanPool && segmentGiven) throw new ChorusError(ErrorCode.BadRequest, 'Cannot provide a segment with wan=true');
  return wanPool ? members.filter((m) => m.Tags.role === 'consul') : [...members];
}
