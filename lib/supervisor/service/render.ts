import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.js';
import type { Package } from '../package/types.js';
import type { TemplateRenderer } from '../templating/renderer.js';
import type { CompiledTemplate, RenderContext } from '../templating/types.js';
import type { HookName } from '../types.js';
import type { ServiceLayout } from './layout.js';

/** What a render changed on disk. */
export interface RenderOutcome {
  /** Hooks whose rendered text differs from what was there. */
  changedHooks: Set<HookName>;
  /** Whether any file under config/ was written. */
  configChanged: boolean;
}

interface Target {
  template: CompiledTemplate;
  path: string;
  mode: number;
  hook?: HookName;
}

/**
 * A package's templates compiled once, rendered into the service directory
 * as often as the context changes. Every template renders before anything is
 * written, so a failed render leaves the last good files in place; unchanged
 * files are not rewritten, so their change is what decides between doing
 * nothing, reconfiguring and restarting.
 */
export class ServiceTemplates {
  readonly #targets: Target[];

  constructor(pkg: Package, layout: ServiceLayout, renderer: TemplateRenderer) {
    this.#targets = [];
    for (const [hook, tpl] of Object.entries(pkg.hooks) as Array<[HookName, NonNullable<Package['hooks'][HookName]>]>) {
      this.#targets.push({ template: renderer.compile(tpl.path, tpl.source), path: join(layout.hooksPath, hook), mode: 0o755, hook });
    }
    for (const tpl of pkg.configTemplates) {
      this.#targets.push({
        template: renderer.compile(tpl.path, tpl.source),
        path: join(layout.configPath, ...tpl.relPath.split('/')),
        // Keep an executable bit if the author set one; never more than rwxr-xr-x.
        mode: (tpl.mode & 0o111) !== 0 ? 0o755 : 0o644,
      });
    }
  }

  /** Renders every template; throws (writing nothing) if any fails. */
  async render(context: RenderContext): Promise<RenderOutcome> {
    const rendered = this.#targets.map((target) => ({ target, text: target.template.render(context) }));
    const outcome: RenderOutcome = { changedHooks: new Set(), configChanged: false };
    for (const { target, text } of rendered) {
      const current = await readFile(target.path, 'utf8').catch(() => undefined);
      if (current === text) continue;
      await mkdir(dirname(target.path), { recursive: true });
      await writeFileAtomic(target.path, text, target.mode);
      if (target.hook !== undefined) outcome.changedHooks.add(target.hook);
      else outcome.configChanged = true;
    }
    return outcome;
  }
}
