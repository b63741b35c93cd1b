#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerSupRun } from '../lib/cli/sup-run.js';
import { registerSupTerm } from '../lib/cli/sup-term.js';
import { describeError, exitCodeFor, EXIT_USAGE } from '../lib/cli/exit.js';

const program = new Command('chorus')
  .description('Chorus: a clustered, gossiping process supervisor')
  .version('0.1.0')
  .showHelpAfterError(false)
  .exitOverride();

const sup = program.command('sup').description('commands about the Supervisor itself');
registerSupRun(sup);
registerSupTerm(sup);

for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has printed its message already; usage errors exit 2 like other Unix tools.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.stderr.write(`chorus: ${describeError(err)}\n`);
    process.exitCode = exitCodeFor(err);
  }
}
