export { parseRules, checkRules, RulesError } from './rules.js';
export {
  ALLOW_ALL, DENY_ALL, MANAGE_ALL, PolicyAuthorizer, defaultAuthorizer, type Authorizer,
} from './authorizer.js';
export { AclResolver, type AclResolverOptions, type TokenLookup } from './resolver.js';
export { bootstrapAclTokens, type AclBootstrapTarget } from './bootstrap.js';
export * from './types.js';
