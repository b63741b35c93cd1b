import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { resolveHttpTarget } from '../config/index.js';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { KvClient, type DirEntry } from './kv-client.js';
import { withHttpOptions, type HttpTargetFlags } from './http-client.js';

/** Where a kv command reads and writes; process streams by default, buffers in tests. */
export interface KvIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(chunk: string | Uint8Array): unknown };
  readStdin(): Promise<Uint8Array>;
}

type Target = HttpTargetFlags;

/** A non-negative safe integer option (`--flags`, `--cas`); anything else is a usage error. */
export function parseUintOption(name: string) {
  return (text: string): number => {
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new ChorusError(ErrorCode.BadRequest, `invalid value for --${name}: ${JSON.stringify(text)} is not an unsigned integer`);
    }
    return Number(text);
  };
}

const decodeValue = (e: DirEntry): string => (e.Value === null ? '' : Buffer.from(e.Value, 'base64').toString('utf8'));

/** `consul kv get` output: the value alone, or `key:value` lines with --recurse. */
export function formatEntries(entries: readonly DirEntry[], recurse: boolean): string {
  if (!recurse) return `${decodeValue(entries[0]!)}\n`;
  return entries.map((e) => `${e.Key}:${decodeValue(e)}\n`).join('');
}

export function formatKeys(keys: readonly string[]): string {
  return keys.map((k) => `${k}\n`).join('');
}

/** A put's value: the argument, `-` for stdin, `@file` for a file's bytes (as `consul kv put`). */
export async function readValue(arg: string | undefined, io: KvIo): Promise<Uint8Array> {
  if (arg === undefined) return new Uint8Array(0);
  if (arg === '-') return io.readStdin();
  if (arg.startsWith('@')) return readFile(arg.slice(1));
  return Buffer.from(arg, 'utf8');
}

async function stdinBytes(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The process's own streams and environment, for the commands that read values and write answers. */
export const PROCESS_IO: KvIo = { env: process.env, stdout: process.stdout, readStdin: stdinBytes };

/** `chorus kv get|put|delete|list`: Consul's KV API from the shell. Not registered in bin/ yet. */
export function registerKv(program: Command, io: KvIo = PROCESS_IO): Command {
  const kv = program.command('kv').description("read and write the catalog's key/value store (Consul's /v1/kv)");
  const client = (opts: Target): KvClient => new KvClient(resolveHttpTarget(opts, io.env));

  withHttpOptions(kv.command('get').argument('[key]', 'the key, or the prefix with --recurse/--keys', ''))
    .description('print a value (or, with --recurse, key:value lines; with --keys, the keys)')
    .option('--recurse', 'every key under the prefix')
    .option('--keys', 'only the keys under the prefix')
    .option('--separator <sep>', 'with --keys, list up to this separator ("" lists all)', '/')
    .option('--raw', 'write the value bytes exactly, without a newline')
    .action(async (key: string, opts: Target & { recurse?: boolean; keys?: boolean; separator: string; raw?: boolean }) => {
      const c = client(opts);
      if (opts.keys) {
        io.stdout.write(formatKeys(await c.keys(key, opts.separator)));
        return;
      }
      if (!opts.recurse && key === '') throw new ChorusError(ErrorCode.BadRequest, 'a key is required (or --recurse / --keys)');
      if (opts.raw && !opts.recurse) {
        const value = await c.getRaw(key);
        if (value === undefined) throw new ChorusError(ErrorCode.NotFound, `No key exists at: ${key}`);
        io.stdout.write(value);
        return;
      }
      const entries = await c.get(key, { recurse: opts.recurse === true });
      if (entries.length === 0) throw new ChorusError(ErrorCode.NotFound, `No key exists at: ${key}`);
      io.stdout.write(formatEntries(entries, opts.recurse === true));
    });

  withHttpOptions(kv.command('list').argument('[prefix]', 'the prefix to list', ''))
    .description('list the keys under a prefix, up to the separator')
    .option('--separator <sep>', 'list up to this separator ("" lists all)', '/')
    .action(async (prefix: string, opts: Target & { separator: string }) => {
      io.stdout.write(formatKeys(await client(opts).keys(prefix, opts.separator)));
    });

  withHttpOptions(kv.command('put').argument('<key>').argument('[value]', 'the value; "-" reads stdin, "@file" reads a file'))
    .description('write a value')
    .option('--flags <n>', 'opaque unsigned integer stored with the value', parseUintOption('flags'))
    .option('--cas <index>', 'write only if the ModifyIndex is <index> (0: only if the key is new)', parseUintOption('cas'))
    .action(async (key: string, value: string | undefined, opts: Target & { flags?: number; cas?: number }) => {
      const ok = await client(opts).put(key, await readValue(value, io), {
        ...(opts.flags === undefined ? {} : { flags: opts.flags }),
        ...(opts.cas === undefined ? {} : { cas: opts.cas }),
      });
      if (!ok) throw new ChorusError(ErrorCode.Conflict, `Did not write to ${key}: CAS failed`);
      io.stdout.write(`Success! Data written to: ${key}\n`);
    });

  withHttpOptions(kv.command('delete').argument('[key]', 'the key, or the prefix with --recurse', ''))
    .description('delete a key, or every key under a prefix')
    .option('--recurse', 'every key under the prefix ("" deletes everything)')
    .option('--cas <index>', 'delete only if the ModifyIndex is <index>', parseUintOption('cas'))
    .action(async (key: string, opts: Target & { recurse?: boolean; cas?: number }) => {
      if (opts.recurse && opts.cas !== undefined) throw new ChorusError(ErrorCode.BadRequest, '--recurse and --cas cannot be used together');
      if (!opts.recurse && key === '') throw new ChorusError(ErrorCode.BadRequest, 'a key is required (or --recurse)');
      const ok = await client(opts).delete(key, { recurse: opts.recurse === true, ...(opts.cas === undefined ? {} : { cas: opts.cas }) });
      if (!ok) throw new ChorusError(ErrorCode.Conflict, `Did not delete key ${key}: CAS failed`);
      io.stdout.write(opts.recurse ? `Success! Deleted keys with prefix: ${key}\n` : `Success! Deleted key: ${key}\n`);
    });
  return kv;
}
