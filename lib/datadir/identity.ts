import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-file.js';

export const MEMBER_ID_FILE = 'MEMBER_ID';
export const CTL_SECRET_FILE = 'CTL_SECRET';

const MEMBER_ID = /^[0-9a-f]{32}$/;

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ChorusError(ErrorCode.CorruptData, `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The member id (32 lowercase hex characters, like Habitat's) is made once and
 * kept, so a restarted node is the same member to the rest of the cluster.
 * A damaged file is an error, never silently replaced: a new id would make
 * the node a stranger to its own cluster.
 */
export async function loadOrCreateMemberId(dataDir: string): Promise<{ memberId: string; created: boolean }> {
  const path = join(dataDir, MEMBER_ID_FILE);
  const text = await readIfExists(path);
  if (text !== undefined) {
    const memberId = text.trim();
    if (!MEMBER_ID.test(memberId)) {
      throw new ChorusError(
        ErrorCode.CorruptData,
        `${path} does not hold a member id (32 hex characters); restore it, or delete it to start as a new member`,
        { details: { path } },
      );
    }
    return { memberId, created: false };
  }
  const memberId = randomBytes(16).toString('hex');
  await writeFileAtomic(path, `${memberId}\n`);
  return { memberId, created: true };
}

/**
 * The secret the CLI must present to the control gateway: 64 random bytes,
 * base64, readable only by the owner (as Habitat's CTL_SECRET).
 */
export async function loadOrCreateCtlSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, CTL_SECRET_FILE);
  const text = await readIfExists(path);
  if (text !== undefined) {
    const secret = text.trim();
    if (secret === '') throw new ChorusError(ErrorCode.CorruptData, `${path} is empty; delete it to make a new control secret`);
    return secret;
  }
  const secret = randomBytes(64).toString('base64');
  await writeFileAtomic(path, `${secret}\n`, 0o600);
  return secret;
}

/** Reads the control secret for the CLI without creating one. */
export async function readCtlSecret(dataDir: string): Promise<string | undefined> {
  const text = await readIfExists(join(dataDir, CTL_SECRET_FILE));
  const secret = text?.trim();
  return secret === '' ? undefined : secret;
}
