import Handlebars from 'handlebars';
import { HELPERS } from './helpers.js';
import { templateFileError } from './errors.js';
import type { CompiledTemplate, RenderContext } from './types.js';

/**
 * Compiles package templates in a Handlebars environment of its own, so
 * helpers registered here never leak into (or are overridden by) anyone
 * else's use of the global instance.
 *
 * Output is never HTML-escaped (these are config files and shell scripts),
 * and strict mode turns a reference to a missing key into an error naming
 * the template's file and line instead of an empty string.
 */
export class TemplateRenderer {
  readonly #env: typeof Handlebars;

  constructor() {
    this.#env = Handlebars.create();
    for (const [name, helper] of Object.entries(HELPERS)) this.#env.registerHelper(name, helper);
  }

  /** Parses `source` now (so syntax errors surface at load time) and returns a template to render later. */
  compile(file: string, source: string): CompiledTemplate {
    checkTemplateSyntax(file, source);
    const template = this.#env.compile(source, { noEscape: true, strict: true });
    return {
      file,
      render: (context: RenderContext | Record<string, unknown>) => {
        try {
          return template(context);
        } catch (err) {
          throw templateFileError(file, err, 'render');
        }
      },
    };
  }
}

const syntaxEnv = Handlebars.create();

/** Throws a ChorusError naming the file and line when `source` is not a valid Handlebars template. */
export function checkTemplateSyntax(file: string, source: string): void {
  try {
    // precompile runs the parser and the compiler's block checks, which catch
    // mismatched block closers that the bare parser accepts.
    syntaxEnv.precompile(source, { noEscape: true, strict: true });
  } catch (err) {
    throw templateFileError(file, err, 'parse');
  }
}
