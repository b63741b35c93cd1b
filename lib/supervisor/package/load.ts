import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { fileError, lineOfKey, tomlFileError } from '../file-error.js';
import { checkTemplateSyntax } from '../templating/renderer.js';
import { HOOK_NAMES, isHookName, type HookName, type TomlTable } from '../types.js';
import { lookupPath } from '../config/merge.js';
import {
  CONFIG_DIR,
  DEFAULTS_FILE,
  HOOKS_DIR,
  MANIFEST_FILE,
  MAX_CONFIG_TEMPLATES,
  MAX_TEMPLATE_BYTES,
} from './constants.js';
import { parseManifest } from './manifest.js';
import type { Package, PackageManifest, PackageTemplate } from './types.js';

/**
 * Loads a package directory and checks all of it: the manifest, `default.toml`,
 * every hook and every config template. A package that loads here will not
 * fail later for a reason visible in its own files (it may still fail to
 * render when, say, a bound group lacks a key).
 */
export async function loadPackage(dir: string): Promise<Package> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new ChorusError(ErrorCode.NotFound, `package directory ${root} does not exist or is not a directory`, {
      details: { file: root },
    });
  }

  const manifestPath = join(root, MANIFEST_FILE);
  const manifestText = await readTextFile(manifestPath, 'missing package manifest (expected name, origin and version)');
  const manifest = parseManifest(manifestPath, manifestText);

  const defaultsPath = join(root, DEFAULTS_FILE);
  const defaults = await loadDefaults(defaultsPath);
  checkExportsResolve(manifestPath, manifestText, manifest, defaults);

  const hooks = await loadHooks(join(root, HOOKS_DIR));
  const configTemplates = await loadConfigTemplates(join(root, CONFIG_DIR));

  return {
    dir: root,
    ident: { origin: manifest.origin, name: manifest.name, version: manifest.version, release: manifest.release },
    manifest,
    defaults,
    hooks,
    configTemplates,
  };
}

async function readTextFile(path: string, missing: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw fileError(path, missing);
    throw fileError(path, `cannot read: ${(err as Error).message}`, {}, err);
  }
}

async function loadDefaults(path: string): Promise<TomlTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    // A package without settings is legitimate: its cfg is just empty.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw fileError(path, `cannot read: ${(err as Error).message}`, {}, err);
  }
  try {
    return parseToml(text) as TomlTable;
  } catch (err) {
    throw tomlFileError(path, err);
  }
}

/**
 * An export or exposed port naming a key that default.toml lacks would gossip
 * nothing for it and leave binders waiting forever; refuse it up front.
 */
function checkExportsResolve(file: string, text: string, manifest: PackageManifest, defaults: TomlTable): void {
  for (const [key, path] of Object.entries(manifest.exports)) {
    if (lookupPath(defaults, path) === undefined) {
      throw fileError(file, `export '${key}' names cfg key '${path}', which ${DEFAULTS_FILE} does not define`, {
        line: lineOfKey(text, ['exports', key]),
      });
    }
  }
  for (const path of manifest.exposes) {
    const value = lookupPath(defaults, path);
    if (typeof value !== 'number' && typeof value !== 'string') {
      throw fileError(file, `exposes names cfg key '${path}', which ${DEFAULTS_FILE} does not define as a port`, {
        line: lineOfKey(text, ['exposes']),
      });
    }
  }
}

async function loadHooks(dir: string): Promise<Partial<Record<HookName, PackageTemplate>>> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw fileError(dir, `missing ${HOOKS_DIR}/ directory: a package needs at least a run hook`);
    throw err;
  });
  const hooks: Partial<Record<HookName, PackageTemplate>> = {};
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (!isHookName(entry.name)) {
      throw fileError(path, `unknown hook '${entry.name}'; hooks are named ${HOOK_NAMES.join(', ')}`);
    }
    hooks[entry.name] = await loadTemplate(dir, path);
  }
  if (hooks.run === undefined) throw fileError(join(dir, 'run'), 'missing run hook: every package needs one');
  return hooks;
}

async function loadConfigTemplates(dir: string): Promise<PackageTemplate[]> {
  const files: string[] = [];
  await walk(dir, files).catch((err: NodeJS.ErrnoException) => {
    // No config/ directory: a service configured only through its hooks.
    if (err.code !== 'ENOENT' || files.length > 0) throw err;
  });
  files.sort();
  const templates: PackageTemplate[] = [];
  for (const path of files) templates.push(await loadTemplate(dir, path));
  return templates;
}

async function walk(dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const info = await stat(path);
    if (info.isDirectory()) {
      await walk(path, out);
    } else if (info.isFile()) {
      if (out.length >= MAX_CONFIG_TEMPLATES) throw fileError(dir, `more than ${MAX_CONFIG_TEMPLATES} config templates`);
      out.push(path);
    }
  }
}

async function loadTemplate(base: string, path: string): Promise<PackageTemplate> {
  const info = await stat(path);
  if (!info.isFile()) throw fileError(path, 'not a regular file');
  if (info.size > MAX_TEMPLATE_BYTES) throw fileError(path, `larger than ${MAX_TEMPLATE_BYTES} bytes`);
  const source = await readFile(path, 'utf8');
  checkTemplateSyntax(path, source);
  return { relPath: relative(base, path).split(sep).join('/'), path, source, mode: info.mode & 0o777 };
}
