import { ChorusError, ErrorCode } from '../../core/errors.js';

/**
 * The small part of HCL (version 1) that ACL rules use: `name = "value"`
 * attributes and `name "label" { ... }` blocks, with `#`, `//` and `/* *\/`
 * comments, entries separated by newlines or commas. It returns a plain tree
 * the rules parser walks; anything else (lists, numbers, heredocs) is an
 * error naming its line and column, as HCL's own messages do.
 */
export type HclValue = string | boolean | HclBlock;

export interface HclEntry {
  readonly name: string;
  /** The block's labels (`key "app/" {}` has one); empty for an attribute. */
  readonly labels: readonly string[];
  readonly value: HclValue;
  readonly line: number;
  readonly column: number;
}

export interface HclBlock {
  readonly entries: readonly HclEntry[];
}

type TokenKind = 'ident' | 'string' | '=' | '{' | '}' | ',' | 'newline' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  column: number;
}

/** The parse error, prefixed by the caller with Consul's "Failed to parse ACL rules: ". */
export function hclError(line: number, column: number, message: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, `At ${line}:${column}: ${message}`);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const col = (at: number): number => at - lineStart + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      tokens.push({ kind: 'newline', text: c, line, column: col(i) });
      i++;
      line++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const startLine = line;
      const startCol = col(i);
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw hclError(startLine, startCol, 'comment not terminated');
      for (let k = i; k < end; k++) {
        if (text[k] === '\n') {
          line++;
          lineStart = k + 1;
        }
      }
      i = end + 2;
    } else if (c === '"') {
      const startCol = col(i);
      let out = '';
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined || d === '\n') throw hclError(line, startCol, 'literal not terminated');
        if (d === '"') break;
        if (d === '\\') {
          const e = text[i + 1];
          const mapped = e === undefined ? undefined : ESCAPES[e];
          if (mapped === undefined) throw hclError(line, col(i), 'unknown escape sequence');
          out += mapped;
          i += 2;
        } else {
          out += d;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', text: out, line, column: startCol });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_.-]/.test(text[i]!)) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), line, column: col(start) });
    } else if (c === '=' || c === '{' || c === '}' || c === ',') {
      tokens.push({ kind: c, text: c, line, column: col(i) });
      i++;
    } else {
      throw hclError(line, col(i), `illegal char ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: 'eof', text: '', line, column: col(i) });
  return tokens;
}

class Parser {
  #at = 0;
  constructor(private readonly tokens: Token[]) {}

  #peek(): Token {
    return this.tokens[this.#at]!;
  }

  #next(): Token {
    return this.tokens[this.#at++]!;
  }

  #skipSeparators(): void {
    while (this.#peek().kind === 'newline' || this.#peek().kind === ',') this.#at++;
  }

  #skipNewlines(): void {
    while (this.#peek().kind === 'newline') this.#at++;
  }

  /** Entries until `}` (nested) or the end of the text (top level). */
  body(nested: boolean): HclBlock {
    const entries: HclEntry[] = [];
    for (;;) {
      this.#skipSeparators();
      const t = this.#peek();
      if (t.kind === 'eof') {
        if (nested) throw hclError(t.line, t.column, 'object expected closing RBRACE got: EOF');
        return { entries };
      }
      if (t.kind === '}') {
        if (!nested) throw hclError(t.line, t.column, 'expected: IDENT | STRING got: RBRACE');
        this.#at++;
        return { entries };
      }
      entries.push(this.#entry());
      const after = this.#peek();
      if (after.kind !== 'newline' && after.kind !== ',' && after.kind !== 'eof' && after.kind !== '}') {
        throw hclError(after.line, after.column, `expected a new line or a comma after an entry, got ${describe(after)}`);
      }
    }
  }

  #entry(): HclEntry {
    const name = this.#next();
    if (name.kind !== 'ident' && name.kind !== 'string') {
      throw hclError(name.line, name.column, `expected: IDENT | STRING got: ${describe(name)}`);
    }
    const labels: string[] = [];
    while (this.#peek().kind === 'string') labels.push(this.#next().text);
    let t = this.#next();
    if (t.kind === '=') {
      this.#skipNewlines();
      t = this.#next();
      if (t.kind === 'string' && labels.length === 0) return { name: name.text, labels, value: t.text, line: name.line, column: name.column };
      if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false') && labels.length === 0) {
        return { name: name.text, labels, value: t.text === 'true', line: name.line, column: name.column };
      }
    }
    if (t.kind === '{') return { name: name.text, labels, value: this.body(true), line: name.line, column: name.column };
    throw hclError(t.line, t.column, `unexpected ${describe(t)} after ${JSON.stringify(name.text)}`);
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'EOF';
    case 'newline': return 'a new line';
    case 'string': return `string ${JSON.stringify(t.text)}`;
    case 'ident': return `${JSON.stringify(t.text)}`;
    default: return JSON.stringify(t.text);
  }
}

/** Parses HCL text into entries; throws BadRequest "At line:col: ..." on anything malformed. */
export function parseHcl(text: string): HclBlock {
  return new Parser(tokenize(text)).body(false);
}
