import type { HabitatView } from '../gateway/types.js';
import type { ServiceManager } from '../supervisor/index.js';

/** Habitat's status codes for the health route, from the same report the body shows. */
const HEALTH_HTTP: Record<string, number> = { OK: 200, WARNING: 200, CRITICAL: 503, UNKNOWN: 500 };

/** Habitat's routes' view of the supervisor: the narrow interface the gateway gets. */
export function habitatView(manager: ServiceManager, censusJson: () => string): HabitatView {
  return {
    censusJson,
    services: () => manager.list().map((s) => s.queryModel()),
    service: (serviceGroup) => {
      const service = manager.find(serviceGroup, true);
      return {
        model: () => service.queryModel(),
        config: () => service.cfg,
        health: async () => {
          const body = await service.healthReport();
          return { body, httpStatus: HEALTH_HTTP[body.status] ?? 500 };
        },
      };
    },
  };
}
