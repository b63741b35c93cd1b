import type { AclSetCommand, CatalogReader } from '../../catalog/index.js';
import { ANONYMOUS_TOKEN_ID, ANONYMOUS_TOKEN_NAME, MASTER_TOKEN_NAME } from './types.js';

/** Where the bootstrap writes: the catalog's write path (through Raft on a server). */
export interface AclBootstrapTarget {
  write(command: AclSetCommand): Promise<boolean>;
}

/**
 * What a leader with ACLs on makes sure of, as Consul's leader does when it
 * takes office: the configured master token exists as a management token
 * named "Master Token", and the anonymous client token exists (with no
 * rules, so the default policy decides for requests without a token).
 * Each is written only when missing from `state`, and with `ifAbsent`, so a
 * race with an operator's change (or another leader's bootstrap) never
 * overwrites a token. Returns how many tokens were written.
 */
export async function bootstrapAclTokens(target: AclBootstrapTarget, state: Pick<CatalogReader, 'acl'>, masterToken: string | undefined): Promise<number> {
  const wanted: AclSetCommand[] = [];
  if (masterToken !== undefined && state.acl.get(masterToken) === undefined) {
    wanted.push({ type: 'acl.set', id: masterToken, name: MASTER_TOKEN_NAME, tokenType: 'management', rules: '', ifAbsent: true });
  }
  if (state.acl.get(ANONYMOUS_TOKEN_ID) === undefined) {
    wanted.push({ type: 'acl.set', id: ANONYMOUS_TOKEN_ID, name: ANONYMOUS_TOKEN_NAME, tokenType: 'client', rules: '', ifAbsent: true });
  }
  let written = 0;
  for (const command of wanted) if (await target.write(command)) written++;
  return written;
}
