import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { connectCtl, withCtlOptions } from './ctl.js';

type CtlOpts = { remoteSup?: string; dataDir?: string };

function version(value: string): number {
  if (!/^\d{1,15}$/.test(value.trim())) throw new InvalidArgumentError('a version is a non-negative whole number');
  return Number(value);
}

async function readInput(path: string | undefined): Promise<Buffer> {
  if (path === undefined || path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(resolve(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ChorusError(ErrorCode.BadRequest, `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(err)}`);
  }
}

async function send(opts: CtlOpts, type: string, body: unknown): Promise<void> {
  const client = await connectCtl(opts);
  try {
    await client.request(type, body);
  } finally {
    client.close();
  }
}

/** `chorus config apply` and `chorus file upload`: gossiped to every member of a service group. */
export function registerGossipCommands(program: Command): void {
  const config = program.command('config').description("a service group's gossiped configuration");
  withCtlOptions(
    config
      .command('apply')
      .argument('<service-group>', 'SERVICE.GROUP')
      .argument('<version>', 'a version higher than the one the group has', version)
      .argument('[file]', 'TOML file, or - (default) for standard input'),
  )
    .description('apply a configuration to every member of a service group')
    .action(async (serviceGroup: string, v: number, file: string | undefined, opts: CtlOpts) => {
      const toml = (await readInput(file)).toString('utf8');
      process.stdout.write(`Applying configuration for ${serviceGroup} incarnation ${v}\n`);
      await send(opts, 'SvcSetCfg', { serviceGroup, version: v, toml });
      process.stdout.write(`Applied configuration for ${serviceGroup}\n`);
    });

  const file = program.command('file').description('files gossiped to a service group');
  withCtlOptions(
    file
      .command('upload')
      .argument('<service-group>', 'SERVICE.GROUP')
      .argument('<version>', 'a version higher than the one the group has for this file', version)
      .argument('<file>', 'the file to upload; members find it in their service files directory under the same name'),
  )
    .description('upload a file to every member of a service group')
    .action(async (serviceGroup: string, v: number, path: string, opts: CtlOpts) => {
      const body = await readInput(path);
      const filename = basename(path);
      process.stdout.write(`Uploading ${filename} to ${serviceGroup} incarnation ${v}\n`);
      await send(opts, 'SvcFilePut', { serviceGroup, version: v, filename, body });
      process.stdout.write(`Uploaded ${filename}\n`);
    });
}
