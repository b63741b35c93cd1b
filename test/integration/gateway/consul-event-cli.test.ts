import t from 'tap';
import { registerEvent, formatEvents, payloadText } from '../../../lib/cli/event.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import { runHttpCli } from '../../helpers/cli.js';
import { FakeEventRing, serveEvents } from '../../helpers/events.js';

/** Runs `chorus event ...` in-process against the given server; returns stdout. */
async function event(url: string, args: string[], stdin = '', env: Record<string, string> = {}): Promise<string> {
  return runHttpCli(registerEvent, url, ['event', ...args], stdin, env);
}

const ID_LINE = /^Event ID: ([0-9a-f-]{36})\n$/;

t.test('chorus event fire and list against the routes', async (t) => {
  const ring = new FakeEventRing();
  const s = await serveEvents(t, { ring, nodeName: 'web-1', services: [{ ID: 'web', Service: 'web', Tags: ['v2'] }] });
  const fired = await event(s.url, ['fire', 'deploy', 'v1.2.3']);
  t.match(fired, ID_LINE);
  const id = ID_LINE.exec(fired)![1]!;
  t.equal(s.events.list()[0]!.ID, id, 'the printed ID is the event the node holds');
  t.equal(Buffer.from(s.events.list()[0]!.Payload!).toString(), 'v1.2.3');

  await event(s.url, ['fire', 'stdin', '-'], 'from stdin');
  await event(s.url, ['fire', 'bare']);
  await event(s.url, ['fire', 'web-only', '--service', '^web$', '--tag', '^v2$', '--node', '^web-']);
  await event(s.url, ['fire', 'elsewhere', '--node', '^db-']);
  t.same(s.events.list().map((e) => [e.Name, e.NodeFilter, e.ServiceFilter, e.TagFilter]), [
    ['deploy', '', '', ''], ['stdin', '', '', ''], ['bare', '', '', ''], ['web-only', '^web-', '^web$', '^v2$'],
  ], 'the filters reached the event; the one for db nodes passed this node by');
  t.equal(s.events.list()[2]!.Payload, null, 'no payload argument: a null payload');

  const table = await event(s.url, ['list']);
  const lines = table.trimEnd().split('\n');
  t.match(lines[0], /^ID\s+Name\s+Payload\s+LTime$/);
  t.match(lines[1], new RegExp(`^${id}\\s+deploy\\s+v1\\.2\\.3\\s+0$`));
  t.match(lines[2], /\s+stdin\s+from stdin\s+1$/);
  t.equal(lines.length, 5);
  t.match(await event(s.url, ['list', '--name', 'bare']), /^ID.*\n[0-9a-f-]{36}\s+bare\s+2\n$/);
  t.equal(await event(s.url, ['list', '--name', 'none']), 'No events\n');
  const json = JSON.parse(await event(s.url, ['list', '--json', '--name', 'deploy'])) as Array<{ ID: string; Payload: string }>;
  t.same(json.map((e) => [e.ID, e.Payload]), [[id, Buffer.from('v1.2.3').toString('base64')]]);
});

t.test("refusals carry the server's text; the token is sent", async (t) => {
  const s = await serveEvents(t, { authToken: 'sekrit' });
  await t.rejects(event(s.url, ['fire', 'x']), { code: ErrorCode.Unauthorized, message: /PUT \/v1\/event\/fire\/x failed: 401/ });
  await t.rejects(event(s.url, ['fire', 'x', '--tag', 'v1'], '', { CHORUS_HTTP_TOKEN: 'sekrit' }), {
    code: ErrorCode.OperationFailed, message: 'PUT /v1/event/fire/x failed: 500 Cannot provide tag filter without service filter',
  });
  t.match(await event(s.url, ['fire', 'a/b c'], '', { CONSUL_HTTP_TOKEN: 'sekrit' }), ID_LINE);
  t.same(s.events.list().map((e) => e.Name), ['a/b c'], 'names are percent-encoded on the way');
  await t.rejects(event('http://127.0.0.1:1', ['list']), { code: ErrorCode.Unavailable, message: /cannot reach the HTTP API/ });
});

t.test('payloads print as text when they are, base64 otherwise', async (t) => {
  t.equal(payloadText(null), '');
  t.equal(payloadText(Buffer.from('héllo\tworld\n').toString('base64')), 'héllo world ');
  const binary = Buffer.from([0, 1, 255]).toString('base64');
  t.equal(payloadText(binary), `base64:${binary}`);
  t.equal(formatEvents([]), 'No events\n');
});
