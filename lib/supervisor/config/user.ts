import { readFile } from 'node:fs/promises';

/** Reads a service's user.toml, or undefined when there is none. */
export async function readUserToml(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
