import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';

/** Turns a bind failure into an error that names the listener and the address. */
export function listenError(what: string, address: string, err: unknown): ChorusError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new ChorusError(ErrorCode.AddressInUse, `cannot start ${what}: address ${address} is already in use`, {
      cause: err,
      details: { address },
    });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new ChorusError(ErrorCode.InvalidConfig, `cannot start ${what}: address ${address} is not on this machine`, {
      cause: err,
      details: { address },
    });
  }
  if (code === 'EACCES') {
    return new ChorusError(ErrorCode.InvalidConfig, `cannot start ${what}: no permission to bind ${address}`, {
      cause: err,
      details: { address },
    });
  }
  return new ChorusError(ErrorCode.Internal, `cannot start ${what} on ${address}: ${messageOf(err)}`, { cause: err });
}
