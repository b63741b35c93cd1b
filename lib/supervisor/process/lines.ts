import { MAX_LINE_CHARS } from './constants.js';

/**
 * Turns a stream of text chunks into lines. A chunk may end mid-line; the
 * rest is kept until the next chunk or `flush()`.
 */
export class LineSplitter {
  readonly #emit: (line: string) => void;
  #partial = '';

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop()!;
    for (const line of parts) this.#emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    while (this.#partial.length > MAX_LINE_CHARS) {
      this.#emit(this.#partial.slice(0, MAX_LINE_CHARS));
      this.#partial = this.#partial.slice(MAX_LINE_CHARS);
    }
  }

  /** Emits a final line that had no newline. */
  flush(): void {
    if (this.#partial !== '') this.#emit(this.#partial);
    this.#partial = '';
  }
}

/** Keeps the last `max` bytes written to it. */
export class TailBuffer {
  readonly #max: number;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(max: number) {
    this.#max = max;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.#max && this.#chunks.length > 1) this.#size -= this.#chunks.shift()!.length;
  }

  toString(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.#max)).toString('utf8');
  }
}
