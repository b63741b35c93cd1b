import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { resolveHttpTarget } from '../config/index.js';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { AclClient, type AclTokenJson } from './acl-client.js';
import type { KvIo } from './kv.js';

type Target = { httpAddr?: string; token?: string };

function withHttpOptions(cmd: Command): Command {
  return cmd
    .option('--http-addr <addr>', 'HTTP API to talk to (default http://127.0.0.1:9631) [env: CHORUS_HTTP_ADDR, CONSUL_HTTP_ADDR]')
    .option('--token <token>', 'ACL token to act with (a management token for most commands) [env: CHORUS_HTTP_TOKEN, CONSUL_HTTP_TOKEN]');
}

/** Rules text: `-` reads stdin, `@file` reads a file, anything else is the rules themselves. */
export async function readRules(arg: string | undefined, io: KvIo): Promise<string | undefined> {
  if (arg === undefined) return undefined;
  if (arg === '-') return Buffer.from(await io.readStdin()).toString('utf8');
  if (arg.startsWith('@')) {
    try {
      return await readFile(arg.slice(1), 'utf8');
    } catch (err) {
      throw new ChorusError(ErrorCode.BadRequest, `cannot read rules from ${arg.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  return arg;
}

function parseType(text: string): 'client' | 'management' {
  if (text !== 'client' && text !== 'management') throw new ChorusError(ErrorCode.BadRequest, `invalid value for --type: ${JSON.stringify(text)} (client or management)`);
  return text;
}

/** One token per line: ID, type and name, tab-separated (for `cut` and `awk`). */
export function formatTokenList(tokens: readonly AclTokenJson[]): string {
  return tokens.map((t) => `${t.ID}\t${t.Type}\t${t.Name}\n`).join('');
}

export function formatToken(t: AclTokenJson): string {
  return `ID:           ${t.ID}\nName:         ${t.Name}\nType:         ${t.Type}\nCreateIndex:  ${t.CreateIndex}\nModifyIndex:  ${t.ModifyIndex}\nRules:\n${t.Rules === '' ? '' : `${t.Rules.replace(/\n?$/, '\n')}`}`;
}

const PROCESS_IO: KvIo = {
  env: process.env,
  stdout: process.stdout,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
};

/** `chorus acl create|update|list|info|clone|destroy`: Consul's legacy ACL API from the shell. */
export function registerAcl(program: Command, io: KvIo = PROCESS_IO): Command {
  const acl = program.command('acl').description("manage legacy ACL tokens (Consul's /v1/acl)");
  const client = (opts: Target): AclClient => new AclClient(resolveHttpTarget(opts, io.env));

  withHttpOptions(acl.command('create'))
    .description('create a token and print its ID')
    .option('--name <name>', 'a name for people', '')
    .option('--type <type>', 'client or management', parseType, 'client' as const)
    .option('--rules <rules>', 'the rules (HCL or JSON); "-" reads stdin, "@file" reads a file')
    .option('--id <id>', 'the ID to give the token (default: a new UUID)')
    .action(async (opts: Target & { name: string; type: string; rules?: string; id?: string }) => {
      const rules = await readRules(opts.rules, io);
      const id = await client(opts).create({
        Name: opts.name, Type: opts.type, ...(rules === undefined ? {} : { Rules: rules }), ...(opts.id === undefined ? {} : { ID: opts.id }),
      });
      io.stdout.write(`${id}\n`);
    });

  withHttpOptions(acl.command('update').argument('<id>'))
    .description("replace a token's name, type and rules (unset ones become blank, client)")
    .option('--name <name>', 'a name for people', '')
    .option('--type <type>', 'client or management', parseType, 'client' as const)
    .option('--rules <rules>', 'the rules (HCL or JSON); "-" reads stdin, "@file" reads a file')
    .action(async (id: string, opts: Target & { name: string; type: string; rules?: string }) => {
      const rules = await readRules(opts.rules, io);
      await client(opts).update({ ID: id, Name: opts.name, Type: opts.type, ...(rules === undefined ? {} : { Rules: rules }) });
      io.stdout.write(`Success! Updated token: ${id}\n`);
    });

  withHttpOptions(acl.command('list'))
    .description('list every token: ID, type and name (needs a management token)')
    .action(async (opts: Target) => {
      io.stdout.write(formatTokenList(await client(opts).list()));
    });

  withHttpOptions(acl.command('info').argument('<id>'))
    .description('show one token')
    .action(async (id: string, opts: Target) => {
      const token = await client(opts).info(id);
      if (token === undefined) throw new ChorusError(ErrorCode.NotFound, `No token with ID ${id}`);
      io.stdout.write(formatToken(token));
    });

  withHttpOptions(acl.command('clone').argument('<id>'))
    .description('copy a token under a new ID and print the ID')
    .action(async (id: string, opts: Target) => {
      io.stdout.write(`${await client(opts).clone(id)}\n`);
    });

  withHttpOptions(acl.command('destroy').argument('<id>'))
    .description('destroy a token')
    .action(async (id: string, opts: Target) => {
      await client(opts).destroy(id);
      io.stdout.write(`Success! Destroyed token: ${id}\n`);
    });
  return acl;
}
