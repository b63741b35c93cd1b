import { ChorusError, ErrorCode } from '../../core/errors.js';
import { Emitter } from '../../core/emitter.js';
import type { Logger } from '../../core/logger.js';
import type { Random } from '../../core/random.js';
import { decodeUserEvent, encodeUserEvent } from './codec.js';
import { GOSSIP_EVENT_PREFIX, USER_EVENT_BUFFER_SIZE, USER_EVENT_VERSION } from './constants.js';
import { formatUuid } from './event-index.js';
import { shouldProcess } from './filters.js';
import type { EventGossip, GossipUserEvent, LocalService, UserEvent, UserEventParams } from './types.js';
import { validateUserEventParams } from './validate.js';

export interface UserEventsDeps {
  gossip: EventGossip;
  /** Makes event IDs. */
  random: Random;
  /** This node's name, for node filters. */
  nodeName: string;
  /** The services this node runs, for service and tag filters (today the supervisor's; later the agent's). */
  localServices(): readonly LocalService[];
  logger: Logger;
}

export interface UserEventsOptions {
  /** How many accepted events are kept; default 256, as Consul. */
  bufferSize?: number;
}

interface UserEventsEvents {
  /** An event passed this node's filters and was added to the list. */
  event: (event: UserEvent) => void;
}

/**
 * Consul's user events on one agent: fire stamps an event with an ID and
 * version and hands it to gossip; every event gossip delivers (our own
 * included) is checked against this node's name and services, and the ones
 * that pass are kept, the newest `bufferSize` in the order they arrived.
 */
export class UserEvents {
  readonly bufferSize: number;
  #deps: UserEventsDeps;
  #kept: UserEvent[] = [];
  #ids = new Set<string>();
  #emitter: Emitter<UserEventsEvents>;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: UserEventsDeps, options: UserEventsOptions = {}) {
    this.#deps = deps;
    this.bufferSize = options.bufferSize ?? USER_EVENT_BUFFER_SIZE;
    if (!Number.isSafeInteger(this.bufferSize) || this.bufferSize <= 0) throw new RangeError(`bufferSize must be a positive integer, got ${this.bufferSize}`);
    this.#emitter = new Emitter((err) => deps.logger.error({ err }, 'user event listener failed'));
  }

  /** The most bytes of name and payload one event may carry (gossip's limit). */
  get sizeLimit(): number {
    return this.#deps.gossip.sizeLimit;
  }

  start(): void {
    this.#unsubscribe ??= this.#deps.gossip.onEvent((e) => this.#receive(e));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /**
   * Fires an event to the cluster and answers as Consul does: the event with
   * its new ID and LTime 0. Throws BadRequest with Consul's texts for bad
   * params and TooLarge when it does not fit in one gossip event.
   */
  fire(params: UserEventParams): UserEvent {
    validateUserEventParams(params);
    const event: UserEvent = {
      ID: formatUuid(this.#deps.random.bytes(16)),
      Name: params.name,
      Payload: params.payload === undefined || params.payload === null ? null : Uint8Array.from(params.payload),
      NodeFilter: params.nodeFilter ?? '',
      ServiceFilter: params.serviceFilter ?? '',
      TagFilter: params.tagFilter ?? '',
      Version: USER_EVENT_VERSION,
      LTime: 0,
    };
    const gossip = this.#deps.gossip;
    const gossipName = GOSSIP_EVENT_PREFIX + event.Name;
    const nameBytes = Buffer.byteLength(gossipName);
    if (nameBytes > gossip.nameLimit) {
      throw new ChorusError(ErrorCode.TooLarge, `user event name is too long: the limit is ${gossip.nameLimit - GOSSIP_EVENT_PREFIX.length} bytes`);
    }
    const encoded = encodeUserEvent(event);
    // serf's check: name and encoded payload together, before gossip frames them.
    if (nameBytes + encoded.byteLength > gossip.sizeLimit) {
      throw new ChorusError(ErrorCode.TooLarge, `user event exceeds configured limit of ${gossip.sizeLimit} bytes before encoding`);
    }
    gossip.fire(gossipName, encoded);
    return event;
  }

  /** The kept events in arrival order, oldest first; only those named `name` when given. */
  list(name?: string): UserEvent[] {
    return name === undefined || name === '' ? [...this.#kept] : this.#kept.filter((e) => e.Name === name);
  }

  /** Called for each event added to the list; returns the unsubscribe function. */
  onEvent(listener: (event: UserEvent) => void): () => void {
    return this.#emitter.on('event', listener);
  }

  #receive(g: GossipUserEvent): void {
    if (!g.name.startsWith(GOSSIP_EVENT_PREFIX)) return;
    const event = decodeUserEvent(g.payload, g.ltime);
    if (event === undefined || GOSSIP_EVENT_PREFIX + event.Name !== g.name) {
      this.#deps.logger.warn({ name: g.name }, 'Failed to decode event');
      return;
    }
    if (event.Version > USER_EVENT_VERSION) {
      this.#deps.logger.warn({ version: event.Version, event: event.Name }, 'Event version may have unsupported features');
    }
    if (this.#ids.has(event.ID)) return;
    if (!shouldProcess(event, { nodeName: this.#deps.nodeName, services: this.#deps.localServices() })) return;
    this.#kept.push(event);
    this.#ids.add(event.ID);
    while (this.#kept.length > this.bufferSize) this.#ids.delete(this.#kept.shift()!.ID);
    this.#deps.logger.debug({ event_name: event.Name, event_id: event.ID }, 'new event');
    this.#emitter.emit('event', event);
  }
}
