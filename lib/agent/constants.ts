/** Consul's names and defaults for agent-local state (agent/agent.go, agent/checks). */

export const NODE_MAINTENANCE_CHECK_ID = '_node_maintenance';
export const SERVICE_MAINTENANCE_PREFIX = '_service_maintenance:';
export const NODE_MAINTENANCE_NAME = 'Node Maintenance Mode';
export const SERVICE_MAINTENANCE_NAME = 'Service Maintenance Mode';
export const DEFAULT_NODE_MAINTENANCE_REASON =
  'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
export const DEFAULT_SERVICE_MAINTENANCE_REASON =
  'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';
/** The Type Consul gives maintenance checks. */
export const MAINTENANCE_CHECK_TYPE = 'maintenance';

/** The servers' own node health check: anti-entropy never touches it. */
export const SERF_HEALTH_CHECK_ID = 'serfHealth';
/** The servers' own service: anti-entropy never deletes it from the catalog. */
export const CONSUL_SERVICE_ID = 'consul';

/** Output kept from a check run (Consul's DefaultBufSize). */
export const DEFAULT_OUTPUT_MAX_SIZE = 4 * 1024;
/** HTTP and TCP checks give up after this long unless Timeout says otherwise. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
/** Script checks are killed after this long unless Timeout says otherwise. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 30_000;
/** Consul raises shorter check intervals to this (checks.MinInterval). */
export const MIN_CHECK_INTERVAL_MS = 1_000;
/** Consul raises DeregisterCriticalServiceAfter to at least this (check_deregister_interval_min). */
export const DEREGISTER_CRITICAL_MIN_MS = 60_000;
/** How often the reaper looks for services critical for too long (check_reap_interval). */
export const CHECK_REAP_INTERVAL_MS = 30_000;
/** Output-only changes reach the catalog at most this often (check_update_interval). */
export const CHECK_UPDATE_INTERVAL_MS = 5 * 60_000;

/** Anti-entropy: a full sync this often, plus a stagger (ae_interval). */
export const AE_INTERVAL_MS = 60_000;
/** Anti-entropy: a failed full sync is retried after this, plus a stagger. */
export const AE_RETRY_MS = 15_000;
/** Cluster sizes up to this keep the unscaled intervals (ae.scaleThreshold). */
export const AE_SCALE_THRESHOLD = 128;

/** The User-Agent and Accept Consul's HTTP checks send unless the check's Header sets them. */
export const HTTP_CHECK_USER_AGENT = 'Consul Health Check';
export const HTTP_CHECK_ACCEPT = 'text/plain, text/*, */*';

/** The file under the data directory holding API-registered services, checks and maintenance. */
export const AGENT_STATE_FILE = 'agent/local.json';

/** A local alias check looks again at least this often, in case it missed a change (Consul's maxDurationBetweenUpdates). */
export const ALIAS_REFRESH_MS = 60_000;
/**
 * An AliasNode check asks the catalog for the node's checks this often. Consul
 * holds a blocking query open instead; a poll keeps the catalog interface one
 * plain read.
 */
export const ALIAS_NODE_POLL_MS = 5_000;
