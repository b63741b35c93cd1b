/** Consul's userEventMaxVersion: the version stamped on every event fired here. */
export const USER_EVENT_VERSION = 1;

/** Consul keeps the 256 newest events it accepted (agent.eventBuf). */
export const USER_EVENT_BUFFER_SIZE = 256;

/** Consul names its serf events `consul:event:<name>`; other serf events are not user events of the API. */
export const GOSSIP_EVENT_PREFIX = 'consul:event:';

/** The gossip payload's first byte, so a later encoding can be told apart. */
export const USER_EVENT_ENCODING_V1 = 1;
