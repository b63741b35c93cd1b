/**
 * Errors that exist only because a Consul client expects them, with their own
 * stable codes; lib/gateway/errors.ts maps them to statuses with the rest.
 * (Consul answers several client mistakes with 500, not 400: parse errors
 * that reach its RPC layer, and unknown datacenters.)
 */
export const ConsulErrorCode = {
  /** `?dc=` names a datacenter we have no route to. */
  NoPathToDatacenter: 'CONSUL_NO_PATH_TO_DATACENTER',
  /** A number in the query (flags, cas) is not an unsigned integer we can hold. */
  InvalidNumber: 'CONSUL_INVALID_NUMBER',
  /** The endpoint exists but not for this method (Consul answers with a text body and Allow). */
  MethodNotAllowed: 'CONSUL_METHOD_NOT_ALLOWED',
  /** A Consul feature this server does not offer yet. */
  /** A `?filter` expression go-bexpr would refuse: Consul answers 500 with bexpr's text. */
  InvalidFilter: 'CONSUL_INVALID_FILTER',
  /** The agent refused a well-formed request (an invalid event filter, an event too large to gossip): Consul answers 500 with the reason. */
  Refused: 'CONSUL_REFUSED',
} as const;

export type ConsulErrorCode = (typeof ConsulErrorCode)[keyof typeof ConsulErrorCode];

export class ConsulApiError extends Error {
  readonly code: ConsulErrorCode;

  constructor(code: ConsulErrorCode, message: string) {
    super(message);
    this.name = 'ConsulApiError';
    this.code = code;
  }
}
