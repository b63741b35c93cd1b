#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerSupRun } from '../lib/cli/sup-run.js';
import { registerSupTerm } from '../lib/cli/sup-term.js';
import { CHORUS_VERSION } from '../lib/version.js';
import { registerSvc } from '../lib/cli/svc.js';
import { registerMembers } from '../lib/cli/members.js';
import { registerGossipCommands } from '../lib/cli/gossip-cmds.js';
import { registerKv } from '../lib/cli/kv.js';
import { registerAcl } from '../lib/cli/acl.js';
import { registerEvent } from '../lib/cli/event.js';
import { registerCatalog } from '../lib/cli/catalog.js';
import { describeError, exitCodeFor, EXIT_USAGE } from '../lib/cli/exit.js';

const program = new Command('chorus')
  .description('Chorus: a clustered, gossiping process supervisor')
  .version(CHORUS_VERSION)
  .showHelpAfterError(false)
  .exitOverride();

const sup = program.command('sup').description('commands about the Supervisor itself');
registerSupRun(sup);
registerSupTerm(sup);
registerSvc(program);
registerMembers(program, sup);
registerGossipCommands(program);
registerKv(program);
registerAcl(program);
registerEvent(program);
registerCatalog(program);

const all = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(all)];
for (const cmd of all(program)) cmd.exitOverride();

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
