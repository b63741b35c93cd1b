import { Command } from 'commander';
import type { KvIo } from '../../lib/cli/kv.js';

/**
 * Runs `chorus <args>` in-process with the commands `register` adds, against
 * the HTTP API at `url`, with `stdin` as standard input; returns stdout.
 * Commander's process.exit is turned into a thrown error at every level.
 */
export async function runHttpCli(
  register: (program: Command, io: KvIo) => unknown, url: string, args: string[], stdin = '', env: Record<string, string> = {},
): Promise<string> {
  const out: Buffer[] = [];
  const io: KvIo = {
    env: { CHORUS_HTTP_ADDR: url, ...env },
    stdout: { write: (c: string | Uint8Array) => out.push(Buffer.from(c)) },
    readStdin: async () => Buffer.from(stdin),
  };
  const program = new Command('chorus').exitOverride();
  register(program, io);
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  await program.parseAsync(['node', 'chorus', ...args]);
  return Buffer.concat(out).toString();
}
