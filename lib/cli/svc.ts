import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { ServiceStatusRow } from '../ctl/svc-handlers.js';
import { connectCtl, withCtlOptions } from './ctl.js';

type CtlOpts = { remoteSup?: string; dataDir?: string };

function seconds(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} takes a whole number of seconds`);
    return Number(value) * 1000;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function call<T>(opts: CtlOpts, type: string, body: unknown): Promise<T> {
  const client = await connectCtl(opts);
  try {
    return await client.request<T>(type, body);
  } finally {
    client.close();
  }
}

/** Habitat's `hab svc status` table: tab-separated columns under a header. */
export function formatStatus(rows: ServiceStatusRow[]): string {
  if (rows.length === 0) return 'No services loaded.\n';
  const table = [
    ['package', 'type', 'desired', 'state', 'elapsed (s)', 'pid', 'group'],
    ...rows.map((r) => [r.ident, r.topology, r.desired, r.state, String(r.elapsedSeconds), r.pid === null ? '<none>' : String(r.pid), r.serviceGroup]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join('').trimEnd()).join('\n') + '\n';
}

/** `chorus svc load|unload|start|stop|status`. */
export function registerSvc(program: Command): void {
  const svc = program.command('svc').description('load, unload, start, stop and inspect services');

  withCtlOptions(svc.command('load').argument('<pkg-dir>', 'package directory (package.toml, default.toml, hooks/, config/)'))
    .description('load a service from a package directory and start it')
    .option('--group <group>', 'service group (default: default)')
    .option('-t, --topology <topology>', 'standalone|leader (default: standalone)')
    .option('-s, --strategy <strategy>', 'update strategy: none|at-once|rolling (default: none)')
    .option('--bind <name:service.group>', 'bind to a service group (repeatable)', collect)
    .option('--binding-mode <mode>', 'strict|relaxed (default: strict)')
    .option('--health-check-interval <seconds>', 'seconds between health checks (default: 30)', seconds('--health-check-interval'))
    .option('--shutdown-timeout <seconds>', 'seconds to wait after the shutdown signal before killing', seconds('--shutdown-timeout'))
    .action(async (pkgDir: string, opts: CtlOpts & Record<string, unknown>) => {
      const spec: Record<string, unknown> = { packagePath: resolve(pkgDir) };
      if (opts.group !== undefined) spec.group = opts.group;
      if (opts.topology !== undefined) spec.topology = opts.topology;
      if (opts.strategy !== undefined) spec.updateStrategy = opts.strategy;
      if (opts.bind !== undefined) spec.binds = opts.bind;
      if (opts.bindingMode !== undefined) spec.bindingMode = opts.bindingMode;
      if (opts.healthCheckInterval !== undefined) spec.healthCheckIntervalMs = opts.healthCheckInterval;
      if (opts.shutdownTimeout !== undefined) spec.shutdownTimeoutMs = opts.shutdownTimeout;
      const { serviceGroup } = await call<{ serviceGroup: string }>(opts, 'SvcLoad', spec);
      process.stdout.write(`The ${serviceGroup} service was successfully loaded\n`);
    });

  const simple: Array<[string, string, string, (sg: string) => string]> = [
    ['unload', 'SvcUnload', 'stop a service and forget it', (sg) => `Unloaded ${sg}`],
    ['start', 'SvcStart', 'start a loaded service', (sg) => `Started ${sg}`],
    ['stop', 'SvcStop', 'stop a loaded service (it stays loaded)', (sg) => `Stopped ${sg}`],
  ];
  for (const [name, type, description, done] of simple) {
    withCtlOptions(svc.command(name).argument('<service>', 'SERVICE.GROUP, or the service name'))
      .description(description)
      .action(async (service: string, opts: CtlOpts) => {
        const { serviceGroup } = await call<{ serviceGroup: string }>(opts, type, { service });
        process.stdout.write(`${done(serviceGroup)}\n`);
      });
  }

  withCtlOptions(svc.command('status').argument('[service]', 'SERVICE.GROUP, or the service name'))
    .description('show the services this Supervisor runs')
    .action(async (service: string | undefined, opts: CtlOpts) => {
      const rows = await call<ServiceStatusRow[]>(opts, 'SvcStatus', { service: service ?? null });
      process.stdout.write(formatStatus(rows));
    });
}
