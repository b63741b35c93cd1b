import type { Logger } from '../core/logger.js';

/**
 * What the gateway needs from the rest of the node, handed to it by
 * lib/node.ts. The gateway never reaches into deeper modules itself.
 */
export interface GatewayDeps {
  logger: Logger;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  authToken?: string | undefined;
  /** False until the node has fully started; routes answer 503 until then. */
  isReady(): boolean;
  /** Habitat's view of the services this supervisor runs. */
  habitat: HabitatView;
}

export interface HabitatView {
  /** The `/services` items (Habitat's ServiceQueryModel). */
  services(): readonly unknown[];
  /**
   * One loaded service by `svc.group[@org]`. Throws BadRequest for a name that
   * is not a valid service group, NotFound when none is loaded by that name.
   */
  service(serviceGroup: string): HabitatService;
}

export interface HabitatService {
  /** The `/services/{svc}/{group}` item. */
  model(): unknown;
  /** The merged config, as JSON. */
  config(): unknown;
  /** The last health check: the body, and the status code Habitat answers with it. */
  health(): Promise<{ body: { status: string; stdout: string; stderr: string }; httpStatus: number }>;
}

/** How an error response's body is written: Habitat's routes answer with empty bodies. */
export type ErrorBodyStyle = 'empty' | 'text';

export interface GatewayState {
  errorBody?: ErrorBodyStyle;
}
