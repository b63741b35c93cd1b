import type { CatalogSession } from '../../catalog/index.js';

/** Consul's structs.Session in Go's field order; the deprecated Checks only when not empty (omitempty). */
export function sessionJson(s: CatalogSession): Record<string, unknown> {
  return {
    ID: s.ID,
    Name: s.Name,
    Node: s.Node,
    LockDelay: s.LockDelay,
    Behavior: s.Behavior,
    TTL: s.TTL,
    NodeChecks: s.NodeChecks,
    ServiceChecks: s.ServiceChecks,
    ...(s.Checks !== null && s.Checks.length > 0 ? { Checks: s.Checks } : {}),
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
}
