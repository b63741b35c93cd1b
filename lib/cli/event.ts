import type { Command } from 'commander';
import { resolveHttpTarget, type HttpTarget } from '../config/index.js';
import type { UserEventJson } from '../gateway/routes/consul-event.js';
import { apiRequest, withHttpOptions, type HttpTargetFlags } from './http-client.js';
import { PROCESS_IO, readValue, type KvIo } from './kv.js';
import { formatTable } from './table.js';

/** Where an event command reads and writes; process streams by default, buffers in tests. */
export type EventIo = KvIo;

export interface FireOptions {
  node?: string | undefined;
  service?: string | undefined;
  tag?: string | undefined;
}

/** Consul's event endpoints over HTTP, as `chorus event` uses them. */
export class EventClient {
  constructor(readonly target: HttpTarget) {}

  /** Fires `name`; an empty payload is sent as no body, which Consul stores as a null payload. */
  async fire(name: string, payload: Uint8Array, options: FireOptions = {}): Promise<UserEventJson> {
    const res = await apiRequest(
      this.target, 'PUT', `/v1/event/fire/${encodeURIComponent(name)}`,
      { node: options.node || undefined, service: options.service || undefined, tag: options.tag || undefined },
      [], payload.byteLength === 0 ? undefined : payload,
    );
    return (await res.json()) as UserEventJson;
  }

  async list(name?: string): Promise<UserEventJson[]> {
    const res = await apiRequest(this.target, 'GET', '/v1/event/list', { name: name || undefined });
    return (await res.json()) as UserEventJson[];
  }
}

/** A payload as a person reads it: its text when it is printable UTF-8, else `base64:<...>`. */
export function payloadText(payload: string | null): string {
  if (payload === null) return '';
  const bytes = Buffer.from(payload, 'base64');
  const text = bytes.toString('utf8');
  const printable = Buffer.from(text, 'utf8').equals(bytes) && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text);
  return printable ? text.replace(/[\t\n]/g, ' ') : `base64:${payload}`;
}

/** The events as a table: ID, name, payload, Lamport time, oldest first. */
export function formatEvents(events: readonly UserEventJson[]): string {
  if (events.length === 0) return 'No events\n';
  return formatTable([['ID', 'Name', 'Payload', 'LTime'], ...events.map((e) => [e.ID, e.Name, payloadText(e.Payload), String(e.LTime)])]);
}


/** `chorus event fire|list`: Consul's user events from the shell. */
export function registerEvent(program: Command, io: EventIo = PROCESS_IO): Command {
  const event = program.command('event').description("fire and list user events, spread to every node by gossip (Consul's /v1/event)");
  const client = (opts: HttpTargetFlags): EventClient => new EventClient(resolveHttpTarget(opts, io.env));

  withHttpOptions(event.command('fire').argument('<name>', 'the event name').argument('[payload]', 'the payload; "-" reads stdin, "@file" reads a file'))
    .description('fire a user event; prints its ID')
    .option('--node <regex>', 'only nodes whose name matches')
    .option('--service <regex>', 'only nodes running a matching service')
    .option('--tag <regex>', 'with --service: only where that service has a matching tag')
    .action(async (name: string, payload: string | undefined, opts: HttpTargetFlags & FireOptions) => {
      const fired = await client(opts).fire(name, await readValue(payload, io), opts);
      io.stdout.write(`Event ID: ${fired.ID}\n`);
    });

  withHttpOptions(event.command('list'))
    .description('list the recent events this node received (newest last)')
    .option('--name <name>', 'only events with this name')
    .option('--json', 'print the events as /v1/event/list answers them')
    .action(async (opts: HttpTargetFlags & { name?: string; json?: boolean }) => {
      const events = await client(opts).list(opts.name);
      io.stdout.write(opts.json ? `${JSON.stringify(events, null, 2)}\n` : formatEvents(events));
    });
  return event;
}
