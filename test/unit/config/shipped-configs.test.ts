import t from 'tap';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadNodeConfig } from '../../../lib/config/index.js';

// dist/test/unit/config → repository root
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

t.test('the compose cluster\'s node.toml is a valid node config', async (t) => {
  const c = await loadNodeConfig({
    flags: { config: join(root, 'cluster-configs', 'node.toml') },
    env: { CHORUS_NODE_NAME: 'node2', CHORUS_PEER: 'node1' },
    cwd: root,
  });
  t.equal(c.dataDir, '/var/lib/chorus');
  t.equal(c.nodeName, 'node2');
  t.same(c.peers, [{ host: 'node1', port: 9638 }]);
  t.same(c.listenHttp, { host: '0.0.0.0', port: 9631 });
});
