#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerSupRun } from '../lib/cli/sup-run.js';
import { CHORUS_VERSION } from '../lib/version.js';
import { describeError, exitCodeFor, EXIT_USAGE } from '../lib/cli/exit.js';

const program = new Command('chorus')
  .description('Chorus: a clustered, gossiping process supervisor')
  .version(CHORUS_VERSION)
  .showHelpAfterError(false)
  .exitOverride();

const sup = program.command('sup').description('commands about the Supervisor itself');
registerSupRun(sup);
// `sup run` starts a node that should join its ring as soon as it can, so it
// does not wait for the modules of every other command (~30 ms); they are
// loaded for anything else, help included.
const supRunOnly = process.argv[2] === 'sup' && process.argv[3] === 'run';
if (!supRunOnly) {
  const [{ registerSupTerm }, { registerSvc }, { registerMembers }, { registerGossipCommands }, { registerKv }, { registerAcl }, { registerEvent }, { registerCatalog }] =
    await Promise.all([
      import('../lib/cli/sup-term.js'),
      import('../lib/cli/svc.js'),
      import('../lib/cli/members.js'),
      import('../lib/cli/gossip-cmds.js'),
      import('../lib/cli/kv.js'),
      import('../lib/cli/acl.js'),
      import('../lib/cli/event.js'),
      import('../lib/cli/catalog.js'),
    ]);
  registerSupTerm(sup);
  registerSvc(program);
  registerMembers(program, sup);
  registerGossipCommands(program);
  registerKv(program);
  registerAcl(program);
  registerEvent(program);
  registerCatalog(program);
}

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
