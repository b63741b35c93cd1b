import t from 'tap';
import { ErrorCode } from '../../../lib/core/errors.js';
import type { Coordinate } from '../../../lib/butterfly/index.js';
import { httpCoordinateUpdate } from '../../../lib/node/coordinate-sync.js';
import { serveConsul } from '../../helpers/consul.js';
import { serveWithAcl } from '../../helpers/acl.js';

const at = (x: number): Coordinate => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.3, Adjustment: 0, Height: 0.00001 });
const put = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'PUT', headers, body: JSON.stringify(body) });

t.test('on a client the coordinate goes to a server\'s PUT /v1/coordinate/update', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/catalog/register`, { Node: 'web-1', Address: '10.0.0.1' });
  await httpCoordinateUpdate({ server: () => s.url })({ Node: 'web-1', Segment: '', Coord: at(0.001) });
  t.same(s.backend.state.coordinates.get('web-1')?.Coord, at(0.001));
  const none = httpCoordinateUpdate({ server: () => undefined });
  await t.rejects(none({ Node: 'web-1', Segment: '', Coord: at(0) }), { code: ErrorCode.Unavailable, message: 'No known Consul servers' });
  const bad = httpCoordinateUpdate({ server: () => s.url });
  await t.rejects(bad({ Node: 'web-1', Segment: '', Coord: { ...at(0), Vec: [0] } }), { code: ErrorCode.OperationFailed, message: 'PUT /v1/coordinate/update: 500 incompatible coordinate' });
});

t.test('a client\'s update with ACLs on carries the agent token; a refusal says so', async (t) => {
  const s = await serveWithAcl(t);
  await put(`${s.url}/v1/catalog/register`, { Node: 'web-1', Address: '10.0.0.1' }, { 'X-Consul-Token': 'root' });
  await httpCoordinateUpdate({ server: () => s.url, aclToken: 'root' })({ Node: 'web-1', Segment: '', Coord: at(0.002) });
  t.same(s.backend.state.coordinates.get('web-1')?.Coord, at(0.002));
  await t.rejects(httpCoordinateUpdate({ server: () => s.url })({ Node: 'web-1', Segment: '', Coord: at(0.003) }), { code: ErrorCode.Forbidden });
});
