import { resolve } from 'node:path';
import { ChorusError, ErrorCode } from '../core/errors.js';
import type { Service, ServiceManager } from '../supervisor/index.js';
import type { CtlHandler } from './server.js';

/** One row of `chorus svc status`. */
export interface ServiceStatusRow {
  ident: string;
  topology: string;
  desired: 'up' | 'down';
  state: 'up' | 'down';
  elapsedSeconds: number;
  pid: number | null;
  serviceGroup: string;
}

function text(body: unknown, field: string): string {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string' || value === '') throw new ChorusError(ErrorCode.BadRequest, `missing ${field}`);
  return value;
}

/**
 * A service by `svc.group[@org]`, or by its bare name when only one service
 * of that name is loaded (one per name, as in Habitat), which is what a user
 * typing `chorus svc stop hello` means.
 */
function findService(manager: ServiceManager, name: string): Service {
  if (name.includes('.')) return manager.find(name, true);
  const service = manager.list().find((s) => s.pkg.manifest.name === name);
  if (service === undefined) throw new ChorusError(ErrorCode.NotFound, `service ${name} is not loaded`);
  return service;
}

function statusRow(service: Service, now: number): ServiceStatusRow {
  const proc = service.processStatus();
  const ident = service.pkg.ident;
  return {
    ident: [ident.origin, ident.name, ident.version, ident.release].filter((p) => p !== undefined && p !== '').join('/'),
    topology: service.spec.topology,
    desired: service.spec.desiredState === 'Up' ? 'up' : 'down',
    state: proc.state === 'up' ? 'up' : 'down',
    elapsedSeconds: Math.max(0, Math.floor((now - proc.stateEnteredAt) / 1000)),
    pid: proc.pid,
    serviceGroup: service.serviceGroup,
  };
}

/** The control gateway's service commands (`chorus svc ...`). */
export function svcHandlers(manager: ServiceManager, now: () => number): Record<string, CtlHandler> {
  return {
    SvcLoad: async (body) => {
      const spec = { ...(body as Record<string, unknown>) };
      spec.packagePath = resolve(text(body, 'packagePath'));
      const service = await manager.load(spec);
      return { serviceGroup: service.serviceGroup };
    },
    SvcUnload: async (body) => ({ serviceGroup: (await manager.unload(findService(manager, text(body, 'service')).serviceGroup)).serviceGroup }),
    SvcStart: async (body) => ({ serviceGroup: (await manager.startService(findService(manager, text(body, 'service')).serviceGroup)).serviceGroup }),
    SvcStop: async (body) => ({ serviceGroup: (await manager.stopService(findService(manager, text(body, 'service')).serviceGroup)).serviceGroup }),
    SvcStatus: async (body) => {
      const name = (body as Record<string, unknown> | null)?.service;
      const services = typeof name === 'string' && name !== '' ? [findService(manager, name)] : manager.list();
      const t = now();
      return services.map((s) => statusRow(s, t));
    },
  };
}
