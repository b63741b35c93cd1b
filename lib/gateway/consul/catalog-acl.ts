import type { Context } from 'koa';
import type { Authorizer } from '../../agent/acl/index.js';
import type { CatalogCheck, CatalogDeregisterCommand, CatalogRegisterCommand } from '../../catalog/index.js';
import { authorizerOf, requirePermission } from './acl.js';

/**
 * Consul's catalog ACL rules (vetRegisterWithACL, vetDeregisterWithACL and
 * the read filters), kept in one place for the catalog and health routes.
 */

/** A service check is read under its service's rules, a node check under its node's. */
export function checkVisible(authz: Authorizer, c: Pick<CatalogCheck, 'ServiceID' | 'ServiceName' | 'Node'>): boolean {
  return c.ServiceID !== '' ? authz.serviceRead(c.ServiceName) : authz.nodeRead(c.Node);
}

/**
 * Registering touches the node (unless SkipNodeUpdate), the service and the
 * checks: node:write for the node and its node-level checks, service:write
 * for the service and the checks that belong to it.
 */
export function vetRegister(ctx: Context, cmd: CatalogRegisterCommand): void {
  const authz = authorizerOf(ctx);
  if (!cmd.SkipNodeUpdate) requirePermission(ctx, authz.nodeWrite(cmd.Node));
  if (cmd.Service !== null) requirePermission(ctx, authz.serviceWrite(cmd.Service.Service));
  for (const check of cmd.Checks) {
    // The service's ID defaults to its name when the request leaves it out.
    const serviceId = cmd.Service === null ? undefined : (cmd.Service.ID || cmd.Service.Service).toLowerCase();
    const ownService = check.ServiceID !== '' && check.ServiceID.toLowerCase() === serviceId;
    if (!ownService) requirePermission(ctx, authz.nodeWrite(cmd.Node));
  }
}

/**
 * Deregistering a node or a node check needs node:write; a service, or one
 * of its checks, service:write on the service's name (found by the caller
 * in the catalog), or node:write.
 */
export function vetDeregister(ctx: Context, cmd: CatalogDeregisterCommand, serviceName: string | undefined): void {
  const authz = authorizerOf(ctx);
  if (authz.nodeWrite(cmd.Node)) return;
  requirePermission(ctx, serviceName !== undefined && (cmd.ServiceID !== '' || cmd.CheckID !== '') && authz.serviceWrite(serviceName));
}
