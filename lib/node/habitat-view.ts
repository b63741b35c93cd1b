import type { HabitatView } from '../gateway/types.js';
import { healthHttpStatus, type ServiceManager } from '../supervisor/index.js';

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
        health: async () => ({ body: await service.healthReport(), httpStatus: healthHttpStatus(service.health) }),
      };
    },
  };
}
