import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A throwaway self-signed certificate for localhost made with openssl in `dir`, or undefined where openssl is missing. */
export function selfSignedCert(dir: string): { key: Buffer; cert: Buffer } | undefined {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  if (!existsSync(cert)) return undefined;
  return { key: readFileSync(key), cert: readFileSync(cert) };
}
