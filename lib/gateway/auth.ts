import { secretsMatch } from '../core/secrets.js';

const BEARER = 'Bearer';

/** True when the header is exactly `Bearer <token>` with the configured token (Habitat's rule). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || !/^[\x20-\x7e\t]*$/.test(header)) return false;
  const parts = header.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 2 || parts[0] !== BEARER) return false;
  return secretsMatch(parts[1]!, token);
}
