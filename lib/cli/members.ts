import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { ConsulMember } from '../gateway/types.js';
import { connectCtl, withCtlOptions } from './ctl.js';

type CtlOpts = { remoteSup?: string; dataDir?: string };
type MemberRow = ConsulMember & { Id: string; State: string };

const STATUS_WORD: Record<number, string> = { 0: 'none', 1: 'alive', 2: 'leaving', 3: 'left', 4: 'failed' };

/** `consul members`-style table: one member a line. */
export function formatMembers(rows: MemberRow[]): string {
  const table = [
    ['Node', 'Address', 'Status', 'Type', 'Build', 'DC', 'Member-ID'],
    ...rows
      .slice()
      .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
      .map((m) => [
        m.Name,
        `${m.Addr}:${m.Port}`,
        m.State === 'suspect' || m.State === 'departed' ? m.State : (STATUS_WORD[m.Status] ?? String(m.Status)),
        m.Tags.role === 'consul' ? 'server' : 'client',
        m.Tags.build ?? '',
        m.Tags.dc ?? '',
        m.Id,
      ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('')).join('\n') + '\n';
}

export function registerMembers(program: Command, sup: Command): void {
  withCtlOptions(program.command('members'))
    .description('list the members of the gossip ring as this Supervisor sees them')
    .option('--json', 'print the members as JSON (the /v1/agent/members shape plus Id and State)')
    .action(async (opts: CtlOpts & { json?: boolean }) => {
      const client = await connectCtl(opts);
      try {
        const rows = await client.request<MemberRow[]>('Members');
        process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatMembers(rows));
      } finally {
        client.close();
      }
    });

  withCtlOptions(sup.command('depart').argument('<member-id>', 'the 32-character member id (see `chorus members`)'))
    .description('permanently mark a member departed: it is never welcome in the ring again under that id')
    .action(async (memberId: string, opts: CtlOpts) => {
      const client = await connectCtl(opts);
      try {
        process.stdout.write(`Permanently marking ${memberId} as departed\n`);
        await client.request('SupDepart', { memberId });
        process.stdout.write('Departure recorded.\n');
      } finally {
        client.close();
      }
    });

  const ring = program.command('ring').description('ring encryption keys');
  ring
    .command('key')
    .command('generate')
    .description('print a new ring key (base64 AES-256) for --ring-key or CHORUS_RING_KEY')
    .action(() => {
      process.stdout.write(`${randomBytes(32).toString('base64')}\n`);
    });
}
