import t from 'tap';
import { SeededRandom } from '../../../lib/core/random.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { isChorusError, ErrorCode } from '../../../lib/core/errors.js';
import {
  UserEvents, eventListIndex, uuidToUint64, formatUuid, encodeUserEvent, decodeUserEvent,
  type LocalService, type UserEvent,
} from '../../../lib/agent/events/index.js';
import { FakeEventRing as FakeRing } from '../../helpers/events.js';

function agent(ring: FakeRing, nodeName: string, services: LocalService[] = [], seed = 1, bufferSize?: number): UserEvents {
  const events = new UserEvents(
    { gossip: ring.gossip(), random: new SeededRandom(seed), nodeName, localServices: () => services, logger: silentLogger() },
    bufferSize === undefined ? {} : { bufferSize },
  );
  events.start();
  return events;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

t.test('a fired event answers with its ID, version 1 and LTime 0, and every node lists the same ID', async (t) => {
  const ring = new FakeRing();
  const a = agent(ring, 'node1', [], 1);
  const b = agent(ring, 'node2', [], 2);
  ring.clock = 7;
  const fired = a.fire({ name: 'deploy', payload: Buffer.from('v1') });
  t.match(fired.ID, UUID);
  t.same({ ...fired, ID: '', Payload: Buffer.from(fired.Payload!).toString() }, {
    ID: '', Name: 'deploy', Payload: 'v1', NodeFilter: '', ServiceFilter: '', TagFilter: '', Version: 1, LTime: 0,
  });
  for (const node of [a, b]) {
    const listed = node.list();
    t.equal(listed.length, 1);
    t.equal(listed[0]!.ID, fired.ID);
    t.equal(listed[0]!.LTime, 7, 'the list shows the Lamport time gossip stamped');
    t.equal(Buffer.from(listed[0]!.Payload!).toString(), 'v1');
  }
  const none = a.fire({ name: 'empty' });
  t.equal(none.Payload, null, 'no body: a null payload');
  t.equal(b.list('empty')[0]!.Payload, null);
  t.same(b.list('deploy').map((e) => e.Name), ['deploy'], 'list by name');
  t.same(b.list().map((e) => e.Name), ['deploy', 'empty'], 'arrival order, oldest first');
  t.not(a.fire({ name: 'x' }).ID, a.fire({ name: 'x' }).ID, 'each fire gets a new ID');
});

t.test('node, service and tag filters are checked by each receiving node', async (t) => {
  const ring = new FakeRing();
  const web = agent(ring, 'web-1', [{ ID: 'web', Service: 'web', Tags: ['v1', 'blue'] }]);
  const db = agent(ring, 'db-1', [{ ID: 'redis.default', Service: 'redis', Tags: ['primary'] }, { ID: 'pg', Service: 'pg', Tags: [] }]);
  const bare = agent(ring, 'bare');
  const names = (e: UserEvents): string[] => e.list().map((x) => x.Name);

  web.fire({ name: 'only-db', nodeFilter: '^db-' });
  web.fire({ name: 'web-svc', serviceFilter: '^web$' });
  web.fire({ name: 'redis-by-name', serviceFilter: '^redis$' });
  web.fire({ name: 'redis-by-id', serviceFilter: 'redis\\.default' });
  web.fire({ name: 'tag-blue', serviceFilter: '.', tagFilter: '^blue$' });
  web.fire({ name: 'tag-on-other-service', serviceFilter: '^pg$', tagFilter: 'primary' });
  web.fire({ name: 'case', nodeFilter: '(?i)^BARE$' });
  web.fire({ name: 'all' });

  t.same(names(web), ['web-svc', 'tag-blue', 'all']);
  t.same(names(db), ['only-db', 'redis-by-name', 'redis-by-id', 'all'], 'a tag must belong to a service the service filter matched');
  t.same(names(bare), ['case', 'all'], 'a node without services passes no service filter; (?i) works as in Go');
});

t.test('the list keeps the newest 256 in arrival order', async (t) => {
  const ring = new FakeRing();
  const a = agent(ring, 'n');
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) ids.push(a.fire({ name: `e${i}` }).ID);
  const listed = a.list();
  t.equal(a.bufferSize, 256);
  t.equal(listed.length, 256);
  t.equal(listed[0]!.Name, 'e44');
  t.equal(listed[255]!.Name, 'e299');
  t.same(listed.map((e) => e.ID), ids.slice(44));
  const small = agent(new FakeRing(), 'm', [], 3, 2);
  for (const n of ['a', 'b', 'c']) small.fire({ name: n });
  t.same(small.list().map((e) => e.Name), ['b', 'c']);
  t.throws(() => new UserEvents({ gossip: ring.gossip(), random: new SeededRandom(1), nodeName: 'x', localServices: () => [], logger: silentLogger() }, { bufferSize: 0 }));
});

t.test('a duplicate delivery is listed once; events of other kinds and malformed ones are ignored', async (t) => {
  const ring = new FakeRing();
  const a = agent(ring, 'n');
  const fired = a.fire({ name: 'once' });
  const payload = encodeUserEvent(fired);
  for (const deliver of ring.members) deliver({ name: 'consul:event:once', payload, ltime: 3 });
  t.equal(a.list().length, 1);
  for (const deliver of ring.members) {
    deliver({ name: 'serf-level', payload, ltime: 4 });
    deliver({ name: 'consul:event:other', payload, ltime: 5 });
    deliver({ name: 'consul:event:once', payload: Uint8Array.from([1, 2, 3]), ltime: 6 });
    deliver({ name: 'consul:event:once', payload: Uint8Array.from([9]), ltime: 6 });
  }
  t.equal(a.list().length, 1);
  a.stop();
  t.equal(ring.members.length, 0, 'stop unsubscribes from gossip');
});

t.test('the codec round-trips and refuses what is not a user event', async (t) => {
  const e: UserEvent = { ID: formatUuid(new Uint8Array(16).fill(0xab)), Name: 'n', Payload: Uint8Array.from([0, 255]), NodeFilter: 'a', ServiceFilter: 'b', TagFilter: 'c', Version: 1, LTime: 99 };
  t.same(decodeUserEvent(encodeUserEvent(e), 5), { ...e, LTime: 5 });
  t.equal(decodeUserEvent(encodeUserEvent({ ...e, ID: 'not-a-uuid' }), 0), undefined);
  t.equal(decodeUserEvent(encodeUserEvent({ ...e, Name: '' }), 0), undefined);
  t.equal(decodeUserEvent(Uint8Array.from([2, 0x90]), 0), undefined);
  t.equal(decodeUserEvent(Uint8Array.from([1, 0xc1]), 0), undefined);
});

t.test("validation answers with Consul's texts", async (t) => {
  const a = agent(new FakeRing(), 'n');
  const refused = (params: Parameters<UserEvents['fire']>[0]): string => {
    try {
      a.fire(params);
    } catch (err) {
      return isChorusError(err) ? `${err.code} ${err.message}` : String(err);
    }
    return 'accepted';
  };
  t.equal(refused({ name: '' }), `${ErrorCode.BadRequest} User event missing name`);
  t.equal(refused({ name: 'x', tagFilter: 'v1' }), `${ErrorCode.BadRequest} Cannot provide tag filter without service filter`);
  t.match(refused({ name: 'x', nodeFilter: '(' }), /^BAD_REQUEST Invalid node filter: error parsing regexp: .+: `\(`$/);
  t.match(refused({ name: 'x', serviceFilter: '[' }), /^BAD_REQUEST Invalid service filter: /);
  t.match(refused({ name: 'x', serviceFilter: 'ok', tagFilter: '*' }), /^BAD_REQUEST Invalid tag filter: /);
  t.equal(refused({ name: 'x', payload: new Uint8Array(400) }), 'accepted');
  t.equal(refused({ name: 'x', payload: new Uint8Array(512) }), `${ErrorCode.TooLarge} user event exceeds configured limit of 512 bytes before encoding`);
  t.equal(refused({ name: 'n'.repeat(116) }), `${ErrorCode.TooLarge} user event name is too long: the limit is 115 bytes`);
  t.equal(refused({ name: 'n'.repeat(115) }), 'accepted');
  t.equal(refused({ name: '_reserved' }), 'accepted', 'Consul only advises against names starting with "_"');
  t.equal(a.list().length, 3, 'nothing refused was fired');
});

t.test("the list index is Consul's uuidToUint64 of the newest event, 1 when empty", async (t) => {
  t.equal(uuidToUint64('00000000-0000-0001-0000-000000000003'), 2n);
  t.equal(uuidToUint64('ffffffff-ffff-ffff-0000-000000000000'), 18446744073709551615n, 'all 64 bits, beyond a Number');
  t.equal(uuidToUint64('b54fe110-7af5-cafc-d1fb-afc8ba432b1c'), 0xb54fe1107af5cafcn ^ 0xd1fbafc8ba432b1cn);
  t.equal(eventListIndex([]), 1n);
  t.equal(eventListIndex([{ ID: '00000000-0000-0000-0000-000000000001' }, { ID: '00000000-0000-0005-0000-000000000000' }]), 5n);
  t.throws(() => uuidToUint64('nope'));
  t.throws(() => formatUuid(new Uint8Array(3)));
  t.equal(formatUuid(Uint8Array.from({ length: 16 }, (_, i) => i)), '00010203-0405-0607-0809-0a0b0c0d0e0f');
});
