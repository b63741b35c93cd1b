import t, { type Test } from 'tap';
import { join } from 'node:path';
import { loadNodeConfig } from '../../../lib/config/index.js';
import { isChorusError, ErrorCode } from '../../../lib/core/errors.js';

const base = { flags: {}, env: {}, cwd: '/work' };

async function failure(t: Test, sources: Parameters<typeof loadNodeConfig>[0], pattern: RegExp): Promise<void> {
  try {
    await loadNodeConfig(sources);
    t.fail(`expected an error matching ${pattern}`);
  } catch (err) {
    t.ok(isChorusError(err, ErrorCode.InvalidConfig), 'InvalidConfig');
    t.match((err as Error).message, pattern);
  }
}

t.test('ACLs are off by default, default policy allow, no master token', async (t) => {
  const c = await loadNodeConfig(base);
  t.same(c.acl, { enabled: false, defaultPolicy: 'allow', masterToken: undefined });
});

t.test('[acl] table < environment < flags', async (t) => {
  const dir = t.testdir({
    'acl.toml': '[acl]\nenabled = true\ndefault_policy = "deny"\nmaster_token = "from-file"\n',
  });
  const config = join(dir, 'acl.toml');
  t.same((await loadNodeConfig({ ...base, flags: { config } })).acl, { enabled: true, defaultPolicy: 'deny', masterToken: 'from-file' });
  const env = await loadNodeConfig({ ...base, flags: { config }, env: { CHORUS_ACL_MASTER_TOKEN: 'from-env', CHORUS_ACL_DEFAULT_POLICY: 'ALLOW', CHORUS_ACL_ENABLED: 'false' } });
  t.same(env.acl, { enabled: false, defaultPolicy: 'allow', masterToken: 'from-env' });
  const flags = await loadNodeConfig({
    ...base,
    flags: { config, aclEnabled: true, aclDefaultPolicy: 'deny', aclMasterToken: 'from-flag' },
    env: { CHORUS_ACL_MASTER_TOKEN: 'from-env', CHORUS_ACL_ENABLED: 'false' },
  });
  t.same(flags.acl, { enabled: true, defaultPolicy: 'deny', masterToken: 'from-flag' });
});

t.test('bad ACL settings name the setting and where it came from', async (t) => {
  const dir = t.testdir({
    'unknown.toml': '[acl]\nenable = true\n',
    'policy.toml': '[acl]\ndefault_policy = "maybe"\n',
    'scalar.toml': 'acl = true\n',
    'enabled.toml': '[acl]\nenabled = "perhaps"\n',
  });
  await failure(t, { ...base, flags: { config: join(dir, 'unknown.toml') } }, /acl: unknown key "enable" \(known keys: enabled, default_policy, master_token\)/);
  await failure(t, { ...base, flags: { config: join(dir, 'policy.toml') } }, /--acl-default-policy \(from config file .* key acl\.default_policy\): must be allow or deny/);
  await failure(t, { ...base, flags: { config: join(dir, 'scalar.toml') } }, /acl must be a table/);
  await failure(t, { ...base, flags: { config: join(dir, 'enabled.toml') } }, /--acl-enabled .*expected true or false/);
  await failure(t, { ...base, flags: { aclDefaultPolicy: 'open' } }, /--acl-default-policy: must be allow or deny/);
  await failure(t, { ...base, env: { CHORUS_ACL_MASTER_TOKEN: 'has space' } }, /--acl-master-token \(from CHORUS_ACL_MASTER_TOKEN\): may hold only printable/);
});
