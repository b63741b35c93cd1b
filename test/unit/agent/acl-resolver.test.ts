import t from 'tap';
import { createServer } from 'node:http';
import { AclResolver, ALLOW_ALL, DENY_ALL, MANAGE_ALL, bootstrapAclTokens } from '../../../lib/agent/acl/index.js';
import { CatalogState } from '../../../lib/catalog/state.js';
import type { AclSetCommand, AclToken } from '../../../lib/catalog/types.js';
import { VirtualClock } from '../../../lib/core/clock.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import { remoteTokenLookup, ACL_TTL_MS } from '../../../lib/node/acl.js';

const token = (ID: string, Type: 'client' | 'management', Rules = '', ModifyIndex = 1): AclToken => ({ ID, Name: ID, Type, Rules, CreateIndex: 1, ModifyIndex });

t.test('resolution: disabled, anonymous, unknown, master, management, client', async (t) => {
  const tokens = new Map<string, AclToken>([
    ['anonymous', token('anonymous', 'client', 'key "pub/" { policy = "read" }')],
    ['mgmt', token('mgmt', 'management')],
    ['app', token('app', 'client', 'key "app/" { policy = "write" }')],
    ['broken', token('broken', 'client', 'key "x" {')],
  ]);
  const lookups: string[] = [];
  const lookup = (id: string) => {
    lookups.push(id);
    return tokens.get(id);
  };
  t.equal(await new AclResolver({ enabled: false, defaultPolicy: 'deny', lookup }).resolve('whatever'), ALLOW_ALL, 'ACLs off: everything but ACL management');
  t.same(lookups, [], 'and no lookup');

  const r = new AclResolver({ enabled: true, defaultPolicy: 'deny', masterToken: 'boot', lookup });
  const anon = (await r.resolve(undefined))!;
  t.ok(anon.keyRead('pub/x'));
  t.notOk(anon.keyRead('priv/x'), 'the default policy under the anonymous rules');
  t.equal(await r.resolve(''), anon, 'an empty token is no token (compiled once)');
  t.equal(await r.resolve('nope'), undefined, 'an unknown token resolves to nothing');
  t.equal(await r.resolve('boot'), MANAGE_ALL, 'the configured master token, before it is written');
  t.notOk(lookups.includes('boot'));
  t.equal(await r.resolve('mgmt'), MANAGE_ALL);
  const app = (await r.resolve('app'))!;
  t.ok(app.keyWrite('app/1'));
  t.notOk(app.keyWrite('other'));
  t.equal(await r.resolve('app'), app, 'compiled once per ModifyIndex');
  tokens.set('app', token('app', 'client', 'key "app/" { policy = "read" }', 2));
  const changed = (await r.resolve('app'))!;
  t.notOk(changed.keyWrite('app/1'), 'a changed token is compiled again');
  t.equal(await r.resolve('broken'), DENY_ALL, 'rules that do not parse allow nothing');
});

t.test('with no anonymous token yet, no token means the default policy', async (t) => {
  const allow = new AclResolver({ enabled: true, defaultPolicy: 'allow', lookup: () => undefined });
  t.equal(await allow.resolve(undefined), ALLOW_ALL);
  const deny = new AclResolver({ enabled: true, defaultPolicy: 'deny', lookup: async () => undefined });
  t.equal(await deny.resolve(undefined), DENY_ALL);
});

t.test('bootstrap writes the master and anonymous tokens only when missing', async (t) => {
  const state = new CatalogState();
  const written: AclSetCommand[] = [];
  const target = {
    write: async (command: AclSetCommand) => {
      written.push(command);
      return state.apply(state.lastIndex + 1, command);
    },
  };
  t.equal(await bootstrapAclTokens(target, state, 'm'), 2);
  t.same(written.map((c) => [c.id, c.name, c.tokenType, c.rules, c.ifAbsent]), [
    ['m', 'Master Token', 'management', '', true],
    ['anonymous', 'Anonymous Token', 'client', '', true],
  ]);
  t.equal(await bootstrapAclTokens(target, state, 'm'), 0, 'a second leader finds them');
  t.equal(written.length, 2, 'and writes nothing');
  t.equal(await bootstrapAclTokens(target, state, undefined), 0, 'without a master token only the anonymous one is needed');
  const stale = new CatalogState();
  // A new leader that has not yet applied the tokens proposes them; ifAbsent keeps the existing ones.
  t.equal(await bootstrapAclTokens(target, stale, 'm'), 0);
  t.equal(state.acl.get('m')!.ModifyIndex, 1);
});

t.test('client nodes: a server answers lookups, cached for acl_ttl, used past it when no server answers', async (t) => {
  let requests = 0;
  let down = false;
  const server = createServer((req, res) => {
    requests++;
    if (down) {
      res.statusCode = 500;
      res.end('No cluster leader');
      return;
    }
    const id = decodeURIComponent(req.url!.replace(/^\/v1\/acl\/info\//, '').replace(/\?stale$/, ''));
    res.setHeader('Content-Type', 'application/json');
    res.end(id === 'known' ? JSON.stringify([token('known', 'management')]) : 'null');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as { port: number };
  const clock = new VirtualClock(1000);
  let base: string | undefined = `http://127.0.0.1:${address.port}`;
  const lookup = remoteTokenLookup(() => base, clock);

  t.same(await lookup('known'), token('known', 'management'));
  t.equal(await lookup('missing'), undefined);
  t.equal(requests, 2);
  await lookup('known');
  await lookup('missing');
  t.equal(requests, 2, 'answers are cached, unknown ones too');
  clock.advance(ACL_TTL_MS);
  await lookup('known');
  t.equal(requests, 3, 'and asked again after acl_ttl');
  down = true;
  clock.advance(ACL_TTL_MS);
  t.same(await lookup('known'), token('known', 'management'), 'a known token outlives a server failure');
  await t.rejects(Promise.resolve(lookup('never-seen')), { code: ErrorCode.OperationFailed, message: /ACL lookup failed: 500 No cluster leader/ });
  base = undefined;
  await t.rejects(Promise.resolve(lookup('other')), { message: /No known Consul servers/ });
});
