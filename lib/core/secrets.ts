import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares secrets in constant time. Hashing first makes the inputs the same
 * length, so the comparison does not leak the secret's length either.
 */
export function secretsMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
