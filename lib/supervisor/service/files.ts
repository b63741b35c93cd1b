import { join } from 'node:path';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/atomic-file.js';

/** Largest file `file upload` may place into a service's files directory. */
export const MAX_SERVICE_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Gossiped service files (`chorus file upload SERVICE.GROUP VERSION FILE`):
 * each file name carries its own version, and like config a version not
 * higher than the one held is refused out loud.
 */
export class ServiceFiles {
  readonly #dir: string;
  readonly #versions = new Map<string, number>();

  constructor(filesPath: string) {
    this.#dir = filesPath;
  }

  /** Validates a name and version against what is held; throws BadRequest or Conflict. */
  check(filename: string, version: number, size: number): void {
    if (filename === '' || filename === '.' || filename === '..' || /[/\\\0]/.test(filename)) {
      throw new ChorusError(ErrorCode.BadRequest, `invalid file name '${filename}': a plain name without slashes`);
    }
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new ChorusError(ErrorCode.BadRequest, `file version must be a non-negative integer, got ${version}`);
    }
    if (size > MAX_SERVICE_FILE_BYTES) {
      throw new ChorusError(ErrorCode.TooLarge, `file ${filename} is ${size} bytes; the limit is ${MAX_SERVICE_FILE_BYTES}`);
    }
    const current = this.#versions.get(filename);
    if (current !== undefined && version <= current) {
      throw new ChorusError(ErrorCode.Conflict, `file ${filename} version ${version} is not higher than the current version ${current}`, {
        details: { filename, version, current },
      });
    }
  }

  /** Writes the file (atomically) and records its version; returns its path. */
  async write(filename: string, version: number, body: Uint8Array): Promise<string> {
    this.check(filename, version, body.length);
    const path = join(this.#dir, filename);
    await writeFileAtomic(path, body, 0o640);
    this.#versions.set(filename, version);
    return path;
  }

  version(filename: string): number | undefined {
    return this.#versions.get(filename);
  }
}
