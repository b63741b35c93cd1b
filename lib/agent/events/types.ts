/**
 * A Consul user event (agent/user_event.go's UserEvent): what /v1/event/fire
 * answers and /v1/event/list holds. The ID is made by the agent that fires
 * it and travels with the event, so every agent lists the same ID.
 */
export interface UserEvent {
  ID: string;
  Name: string;
  /** Opaque bytes; null when the fire request had no body. */
  Payload: Uint8Array | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  /** The gossip layer's Lamport time; 0 in the fire answer, which is made before gossip stamps it. */
  LTime: number;
}

/** What a fire request asks for. */
export interface UserEventParams {
  name: string;
  payload?: Uint8Array | null | undefined;
  nodeFilter?: string | undefined;
  serviceFilter?: string | undefined;
  tagFilter?: string | undefined;
}

/** A service this node runs, as a service filter sees it (Consul matches the agent's local services). */
export interface LocalService {
  ID: string;
  Service: string;
  Tags: readonly string[];
}

/** A user event as the gossip layer delivers it: serf's name, payload and Lamport time. */
export interface GossipUserEvent {
  name: string;
  payload: Uint8Array;
  ltime: number;
}

/**
 * The gossip layer as user events need it (serf's UserEvent and event
 * channel, in Butterfly's rumors). Filtering by node and service happens
 * here, not in gossip, so gossip is asked to deliver every event.
 */
export interface EventGossip {
  /** Spreads an event; returns the Lamport time it was stamped with. Delivers it to onEvent here too. */
  fire(name: string, payload: Uint8Array): number;
  /** Every event gossip delivers to this member; returns the unsubscribe function. */
  onEvent(listener: (event: GossipUserEvent) => void): () => void;
  /** The most bytes of name plus payload gossip carries in one event (serf's UserEventSizeLimit). */
  readonly sizeLimit: number;
  /** The longest event name gossip carries, in bytes. */
  readonly nameLimit: number;
}
