import t from 'tap';
import type { Member, MemberState, ServiceConfigRumor, ServiceFileRumor, ServiceRumor } from '../../../../lib/butterfly/index.js';
import { CensusRing, type CensusCounters, type CensusInput } from '../../../../lib/supervisor/census/index.js';
import { activeMembers, resolveBinds } from '../../../../lib/supervisor/service/context.js';

const sys = {
  ip: '172.25.0.3',
  hostname: 'api.habitat.dev',
  gossip_ip: '0.0.0.0',
  gossip_port: 9638,
  http_gateway_ip: '0.0.0.0',
  http_gateway_port: 9631,
  ctl_gateway_ip: '0.0.0.0',
  ctl_gateway_port: 9632,
};

function member(id: string, state: MemberState = 'alive', address = `10.0.0.${id.length}`): Member {
  return { id, name: id, address, gossipPort: 9638, incarnation: 1, state, persistent: id === 'local', tags: {}, stateChangedAt: 0 };
}

function service(memberId: string, group = 'builder-api.default', extra: Partial<ServiceRumor> = {}): ServiceRumor {
  return {
    kind: 'service',
    group,
    memberId,
    incarnation: 1,
    pkg: 'habitat/builder-api/7602/20180906202535',
    pkgIncarnation: 0,
    cfg: 'port = 9636\n',
    sys,
    health: 'OK',
    initialized: true,
    withdrawn: false,
    expiresInMs: 0,
    ...extra,
  };
}

class Fixture {
  members = new Map<string, Member>([['local', member('local')]]);
  services: ServiceRumor[] = [];
  configs: ServiceConfigRumor[] = [];
  files: ServiceFileRumor[] = [];
  departed = new Set<string>();
  counters: CensusCounters = { service: 0, membership: 0, serviceConfig: 0, serviceFile: 0 };

  set(id: string, state: MemberState): void {
    this.members.set(id, { ...(this.members.get(id) ?? member(id)), state });
    this.counters.membership++;
  }

  input(): CensusInput {
    return {
      localMemberId: 'local',
      members: [...this.members.values()],
      isDeparted: (id) => this.departed.has(id),
      services: this.services,
      configs: this.configs,
      files: this.files,
      counters: { ...this.counters },
    };
  }
}

t.test('the /census JSON has exactly the Habitat shape', async (t) => {
  const f = new Fixture();
  f.set('be57', 'alive');
  f.services = [service('be57'), service('local', 'builder-api.default', { cfg: '{"port": 1}', health: 'CRITICAL', pkgIncarnation: 2 })];
  f.configs = [{ kind: 'config', group: 'builder-api.default', version: 1534943508, fromId: 'x', toml: '[api]\nfeatures_enabled = "jobsrv"\n' }];
  f.files = [{ kind: 'file', group: 'builder-api.default', filename: 'builder-github-app.pem', version: 1534943508, fromId: 'x', body: new Uint8Array([45, 10]) }];
  f.counters = { service: 11, membership: 10, serviceConfig: 1, serviceFile: 1 };
  const ring = new CensusRing();
  t.ok(ring.update(f.input()), 'the first update builds');
  const json = JSON.parse(JSON.stringify(ring));
  t.same(Object.keys(json), [
    'changed', 'census_groups', 'local_member_id', 'last_service_counter', 'last_election_counter',
    'last_election_update_counter', 'last_membership_counter', 'last_service_config_counter', 'last_service_file_counter',
  ]);
  t.match(json, { changed: true, local_member_id: 'local', last_service_counter: 11, last_membership_counter: 10, last_election_counter: 0, last_service_file_counter: 1 });
  const g = json.census_groups['builder-api.default'];
  t.same(Object.keys(g), [
    'service_group', 'election_status', 'update_election_status', 'pkg_incarnation', 'leader_id', 'service_config',
    'local_member_id', 'population', 'update_leader_id', 'changed_service_files', 'service_files',
  ]);
  t.match(g, { service_group: 'builder-api.default', election_status: 'None', update_election_status: 'None', pkg_incarnation: 2, leader_id: null, update_leader_id: null, local_member_id: 'local' });
  t.same(g.service_config, { incarnation: 1534943508, value: { api: { features_enabled: 'jobsrv' } } });
  t.same(g.changed_service_files, ['builder-github-app.pem']);
  t.same(g.service_files, { 'builder-github-app.pem': { filename: 'builder-github-app.pem', incarnation: 1534943508, body: [45, 10] } });
  t.same(Object.keys(g.population), ['be57', 'local'], 'population keyed by member id');
  t.same(g.population.be57, {
    member_id: 'be57',
    pkg: { origin: 'habitat', name: 'builder-api', version: '7602', release: '20180906202535' },
    pkg_incarnation: 0,
    package: 'habitat/builder-api/7602/20180906202535',
    service: 'builder-api',
    group: 'default',
    org: null,
    persistent: false,
    leader: false, follower: false, update_leader: false, update_follower: false,
    election_is_running: false, election_is_no_quorum: false, election_is_finished: false,
    update_election_is_running: false, update_election_is_no_quorum: false, update_election_is_finished: false,
    sys: { ...sys, gossip_ip: '10.0.0.4', gossip_port: 9638 },
    alive: true, suspect: false, confirmed: false, departed: false,
    cfg: { port: 9636 },
    health: 'OK',
    initialized: true,
  });
  t.match(g.population.local, { persistent: true, cfg: { port: 1 }, health: 'CRITICAL', alive: true }, 'JSON cfg parses too; persistent comes from the membership');
  t.notOk(ring.update(f.input()), 'no counter moved: no rebuild');
  t.equal(ring.toJSON().changed, false);
});

t.test('members going suspect, confirmed, left and departed; a withdrawn service vanishing', async (t) => {
  const f = new Fixture();
  for (const id of ['m1', 'm2', 'm3']) f.set(id, 'alive');
  f.services = ['local', 'm1', 'm2', 'm3'].map((id) => service(id, 'redis.default'));
  f.services.push(service('m3', 'web.prod@acme'));
  const ring = new CensusRing();
  ring.update(f.input());
  const flags = (id: string, group = 'redis.default'): unknown => {
    const m = ring.group(group)?.population[id];
    return m === undefined ? undefined : { alive: m.alive, suspect: m.suspect, confirmed: m.confirmed, departed: m.departed };
  };
  t.same(flags('m1'), { alive: true, suspect: false, confirmed: false, departed: false });
  t.match(ring.group('web.prod@acme')?.population.m3, { service: 'web', group: 'prod', org: 'acme' });

  f.set('m1', 'suspect');
  t.ok(ring.update(f.input()));
  t.same(flags('m1'), { alive: false, suspect: true, confirmed: false, departed: false }, 'suspect');
  t.same(activeMembers(ring.view().groups['redis.default']).map((m) => m.member_id), ['local', 'm1', 'm2', 'm3'], 'suspect members are still active');

  f.set('m1', 'failed');
  ring.update(f.input());
  t.same(flags('m1'), { alive: false, suspect: false, confirmed: true, departed: false }, 'failed is confirmed');
  t.same(activeMembers(ring.view().groups['redis.default']).map((m) => m.member_id), ['local', 'm2', 'm3'], 'confirmed members are not active');

  f.set('m2', 'left');
  ring.update(f.input());
  t.same(flags('m2'), { alive: false, suspect: false, confirmed: false, departed: true }, 'a member that left is shown departed');

  f.set('m3', 'departed');
  ring.update(f.input());
  t.equal(flags('m3'), undefined, 'a departed member is not in the census');
  t.equal(ring.group('web.prod@acme'), undefined, 'and a group left without members is gone');
  f.members.delete('m3');
  f.departed.add('m3');
  f.counters.membership++;
  ring.update(f.input());
  t.equal(flags('m3'), undefined, 'nor after it was reaped from the member table');

  f.services = f.services.filter((s) => s.memberId !== 'm1');
  f.counters.service++;
  ring.update(f.input());
  t.equal(flags('m1'), undefined, 'a withdrawn service vanishes');
  f.services.push(service('m2', 'redis.default', { withdrawn: true, incarnation: 9 }));
  f.services = f.services.filter((s) => !(s.memberId === 'm2' && !s.withdrawn));
  f.counters.service++;
  ring.update(f.input());
  t.equal(flags('m2'), undefined, 'a tombstone passed in by mistake is not shown either');

  f.services.push(service('ghost', 'redis.default'));
  f.counters.service++;
  ring.update(f.input());
  t.same(flags('ghost'), { alive: false, suspect: false, confirmed: false, departed: false }, 'a member not yet known has no health flag (as Habitat)');
  t.same(flags('local'), { alive: true, suspect: false, confirmed: false, departed: false }, 'we are always alive to ourselves');

  f.services.push(service('bad', 'not a group'));
  f.counters.service++;
  t.doesNotThrow(() => ring.update(f.input()), 'a rumor with an unparsable group is skipped');
  t.same(ring.groupNames(), ['redis.default']);
});

t.test('config, files and the view the services consume', async (t) => {
  const f = new Fixture();
  f.set('m1', 'alive');
  f.set('m2', 'suspect');
  f.services = [service('m1', 'db.default', { cfg: 'port = 5432\nhost = "a"' }), service('m2', 'db.default', { cfg: 'host = "b"' }), service('local', 'app.default')];
  f.configs = [{ kind: 'config', group: 'db.default', version: 2, fromId: 'x', toml: 'not = = toml' }];
  f.files = [
    { kind: 'file', group: 'db.default', filename: 'b.txt', version: 1, fromId: 'x', body: new Uint8Array([1]) },
    { kind: 'file', group: 'db.default', filename: 'a.txt', version: 1, fromId: 'x', body: new Uint8Array([2]) },
  ];
  const ring = new CensusRing();
  ring.update(f.input());
  t.equal(ring.group('db.default')?.service_config, null, 'a config that does not parse is not applied');
  t.same(ring.group('db.default')?.changed_service_files, ['a.txt', 'b.txt'], 'new files are changed');
  f.configs = [{ kind: 'config', group: 'db.default', version: 3, fromId: 'x', toml: 'max_connections = 10' }];
  f.files = [{ ...f.files[0]!, version: 2, body: new Uint8Array([3]) }, f.files[1]!];
  f.counters.serviceConfig++;
  f.counters.serviceFile++;
  ring.update(f.input());
  t.same(ring.group('db.default')?.changed_service_files, ['b.txt'], 'only the file whose version went up');
  const view = ring.view();
  const db = view.groups['db.default']!;
  t.same(db.serviceConfig, { version: 3, value: { max_connections: 10 } });
  t.same(db.serviceFiles?.map((x) => [x.filename, x.version, [...x.body]]), [['a.txt', 1, [2]], ['b.txt', 2, [3]]]);
  t.same(db.changedServiceFiles, ['b.txt']);
  t.same(db.members.map((m) => m.member_id), ['m1', 'm2']);
  t.equal(db.leaderId, null);
  // What templates get for a bind: active members with their exported cfg.
  const pkg = { manifest: { binds: { database: ['port'] }, bindsOptional: {} } } as never;
  const spec = { binds: [{ name: 'database', serviceGroup: 'db.default' }] } as never;
  const binds = resolveBinds(spec, pkg, view);
  t.same(binds.bind.database?.members.map((m) => [m.member_id, m.cfg]), [['m1', { port: 5432, host: 'a' }], ['m2', { host: 'b' }]]);
  t.equal(binds.bind.database?.first?.member_id, 'm1');
  f.set('m1', 'failed');
  ring.update(f.input());
  const after = resolveBinds(spec, pkg, ring.view());
  t.same(after.unsatisfied.map((u) => u.reason), ['no active member exports port'], 'the bind waits once the only exporting member is confirmed dead');
});
