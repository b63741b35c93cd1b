import t from 'tap';
import { AclLeaderBootstrap } from '../../../lib/node/acl.js';
import { CatalogState } from '../../../lib/catalog/state.js';
import type { CatalogCommand } from '../../../lib/catalog/types.js';
import { VirtualClock } from '../../../lib/core/clock.js';
import { silentLogger } from '../../../lib/core/logger.js';
import type { RaftServer } from '../../../lib/node/raft-server.js';

/** Just enough of a RaftServer: a role and term to change, and a catalog that may refuse writes. */
function fakeServer() {
  const state = new CatalogState();
  let listener: (() => void) | undefined;
  const fake = {
    role: 'follower' as string,
    term: 1,
    failWrites: 0,
    writes: 0,
    state,
    become(role: string, term: number) {
      fake.role = role;
      fake.term = term;
      listener?.();
    },
    server: {
      raft: { on: (_e: string, fn: () => void) => { listener = fn; return () => { listener = undefined; }; } },
      status: () => ({ role: fake.role, term: fake.term }),
      machine: { state },
      backend: {
        write: async (command: CatalogCommand) => {
          fake.writes++;
          if (fake.failWrites > 0) {
            fake.failWrites--;
            throw new Error('No cluster leader');
          }
          return state.apply(state.lastIndex + 1, command);
        },
      },
    } as unknown as RaftServer,
  };
  return fake;
}

const settle = () => new Promise((r) => setImmediate(r));

t.test('the leader writes the master and anonymous tokens once per term, retrying failures', async (t) => {
  const clock = new VirtualClock();
  const f = fakeServer();
  const boot = new AclLeaderBootstrap(f.server, 'm', clock, silentLogger());
  boot.start();
  await settle();
  t.equal(f.writes, 0, 'a follower writes nothing');
  f.failWrites = 1;
  f.become('leader', 2);
  await settle();
  t.equal(f.writes, 1, 'the first write failed');
  t.equal(f.state.acl.size, 0);
  clock.advance(1_000);
  await settle();
  await settle();
  t.same(f.state.acl.list().map((x) => x.ID), ['anonymous', 'm'], 'retried a second later');
  const writes = f.writes;
  f.become('leader', 2);
  await settle();
  t.equal(f.writes, writes, 'the same term is not bootstrapped again');
  f.become('leader', 3);
  await settle();
  t.equal(f.writes, writes, 'a new term finds the tokens and writes nothing');
  boot.stop();
  f.become('leader', 4);
  t.equal(f.writes, writes, 'stopped: no more');
});
