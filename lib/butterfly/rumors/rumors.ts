import { ChorusError, ErrorCode, type Timer } from '../../core/index.js';
import { StreamKind } from '../../net/types.js';
import type { Context } from '../context.js';
import { DecodeError, notRunning } from '../errors.js';
import { applyRumor, type ApplyEnv } from './apply.js';
import { decodeRumor, encodeRumor } from './codec.js';
import { resolveRumorOptions, type ResolvedRumorOptions } from './constants.js';
import { LargeFetcher } from './large.js';
import { type RumorSource, RumorState } from './state.js';
import type { StoreEntry } from './store.js';
import { Sweeper } from './sweep.js';
import type {
  DepartureRumor,
  RumorCounters,
  RumorEvents,
  RumorOptions,
  RumorWire,
  StoredRumor,
  ServiceConfigRumor,
  ServiceFileRumor,
  ServicePublication,
  ServiceRumor,
  UserEventInit,
  UserEventRumor,
} from './types.js';

/** Sizes of the rumor tables, for memory checks. */
export interface RumorSizes {
  services: number;
  tombstones: number;
  configs: number;
  files: number;
  departures: number;
  events: number;
  fetches: number;
  purgeWaiting: number;
}

/**
 * The rumor stores of one member: services, service configs, service files,
 * departures and user events. Local changes (publish, withdraw, apply,
 * upload, fire) and rumors from others go through the same stores; news is
 * passed on through the membership's broadcast queue (so each member sends
 * each rumor at most retransmitMult × ⌈log10(n+1)⌉ times) and everything
 * stored rides along in push-pull syncs.
 */
export class Rumors {
  readonly options: ResolvedRumorOptions;
  #state: RumorState;
  #large: LargeFetcher;
  #sweeper: Sweeper;
  #env: ApplyEnv;
  #timer: Timer | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(ctx: Context, options: RumorOptions = {}) {
    this.options = resolveRumorOptions(options);
    this.#state = new RumorState(ctx, this.options);
    this.#large = new LargeFetcher(this.#state, (r, encoded, src) => applyRumor(this.#env, r, encoded, src));
    this.#sweeper = new Sweeper(this.#state);
    this.#env = { state: this.#state, large: this.#large, localServices: () => this.#localServices() };
    ctx.onRumor = (from, body) => this.#receive(body, { from, gossip: true });
    ctx.rumorSync = {
      collect: () => this.#collect(),
      merge: (parts, from) => {
        for (const part of parts) this.#receive(part, { from, gossip: false });
      },
    };
  }

  start(): void {
    const ctx = this.#state.ctx;
    ctx.deps.streams.handle(StreamKind.LargeRumor, (from, request) => this.#large.serve(from, request));
    this.#unsubscribe = ctx.events.on('departed', (m) => this.#state.recordDeparture(m.id));
    this.#arm();
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#state.ctx.deps.streams.handle(StreamKind.LargeRumor, () => Promise.reject(notRunning('serve rumors')));
  }

  // ---- local changes ----

  /** Publishes (or re-publishes) this member's service in `group`, above any incarnation seen for it. */
  publishService(p: ServicePublication): ServiceRumor {
    const state = this.#state;
    const self = state.ctx.self.id;
    const held = state.services.get(p.group, self)?.rumor;
    const incarnation = Math.max(held?.incarnation ?? 0, state.selfIncarnations.get(p.group) ?? 0) + 1;
    const cfg = p.cfg ?? '';
    if (Buffer.byteLength(cfg) > this.options.maxServiceCfgBytes) throw tooLarge('exported cfg', Buffer.byteLength(cfg), this.options.maxServiceCfgBytes);
    const rumor: ServiceRumor = {
      kind: 'service',
      group: p.group,
      memberId: self,
      incarnation,
      pkg: p.pkg,
      pkgIncarnation: p.pkgIncarnation ?? 0,
      cfg,
      sys: { ...p.sys },
      health: p.health ?? 'UNKNOWN',
      initialized: p.initialized ?? false,
      withdrawn: false,
      expiresInMs: 0,
    };
    this.#storeLocal(rumor);
    state.selfIncarnations.set(p.group, incarnation);
    return rumor;
  }

  /** Withdraws this member's service from `group` (a tombstone everywhere); false when it was not published. */
  withdrawService(group: string): boolean {
    const state = this.#state;
    const held = state.services.get(group, state.ctx.self.id)?.rumor;
    if (held === undefined || held.withdrawn) return false;
    const tombstone: ServiceRumor = { ...held, incarnation: held.incarnation + 1, cfg: '', withdrawn: true, expiresInMs: this.options.serviceTombstoneTtlMs };
    this.#storeLocal(tombstone);
    state.selfIncarnations.set(group, tombstone.incarnation);
    return true;
  }

  /** Gossips a config version to `group`. Throws Conflict when `version` is not higher than the one held. */
  applyConfig(group: string, version: number, toml: string): ServiceConfigRumor {
    const size = Buffer.byteLength(toml);
    if (size > this.options.maxConfigBytes) throw tooLarge('config', size, this.options.maxConfigBytes);
    const held = this.#state.configs.get(group, '')?.rumor;
    if (held !== undefined && version <= held.version) throw notHigher(`config of ${group}`, version, held.version);
    const rumor: ServiceConfigRumor = { kind: 'config', group, version, fromId: this.#state.ctx.self.id, toml };
    this.#storeLocal(rumor);
    return rumor;
  }

  /** Gossips a file into `group`'s files. Throws Conflict when `version` is not higher than the one held. */
  uploadFile(group: string, filename: string, version: number, body: Uint8Array): ServiceFileRumor {
    if (body.byteLength > this.options.maxFileBytes) throw tooLarge(`file ${filename}`, body.byteLength, this.options.maxFileBytes);
    const held = this.#state.files.get(group, filename)?.rumor;
    if (held !== undefined && version <= held.version) throw notHigher(`file ${filename} of ${group}`, version, held.version);
    const rumor: ServiceFileRumor = { kind: 'file', group, filename, version, fromId: this.#state.ctx.self.id, body: Uint8Array.from(body) };
    this.#storeLocal(rumor);
    return rumor;
  }

  /** Fires a user event to every member whose name, services and tags match the filters. */
  fireEvent(init: UserEventInit): UserEventRumor {
    const state = this.#state;
    const payload = init.payload ?? new Uint8Array(0);
    if (payload.byteLength > this.options.maxEventPayloadBytes) throw tooLarge('event payload', payload.byteLength, this.options.maxEventPayloadBytes);
    const event: UserEventRumor = {
      kind: 'event',
      name: init.name,
      payload: Uint8Array.from(payload),
      nodeFilter: init.nodeFilter ?? '',
      serviceFilter: init.serviceFilter ?? '',
      tagFilters: { ...(init.tagFilters ?? {}) },
      ltime: state.userEvents.clock,
      origin: state.ctx.self.id,
    };
    const encoded = this.#validated(event);
    if (encoded.byteLength > this.options.maxInlineRumorBytes) throw tooLarge('event', encoded.byteLength, this.options.maxInlineRumorBytes);
    state.userEvents.nextTime();
    applyRumor(this.#env, event, encoded, { from: state.ctx.self.transportAddress, gossip: true });
    return event;
  }

  // ---- views ----

  /** Live (not withdrawn) service rumors, of one group or all. */
  services(group?: string): ServiceRumor[] {
    return this.#list(this.#state.services, group).filter((r) => !r.withdrawn);
  }

  /** Tombstones of withdrawn services not yet expired. */
  withdrawnServices(): ServiceRumor[] {
    return this.#list(this.#state.services).filter((r) => r.withdrawn);
  }

  service(group: string, memberId: string): ServiceRumor | undefined {
    const r = this.#state.services.get(group, memberId)?.rumor;
    return r === undefined || r.withdrawn ? undefined : r;
  }

  configs(): ServiceConfigRumor[] {
    return this.#list(this.#state.configs);
  }

  config(group: string): ServiceConfigRumor | undefined {
    return this.#state.configs.get(group, '')?.rumor;
  }

  files(group?: string): ServiceFileRumor[] {
    return this.#list(this.#state.files, group);
  }

  departures(): DepartureRumor[] {
    return this.#list(this.#state.departures);
  }

  /** The kept user events, oldest first. */
  userEvents(): UserEventRumor[] {
    return this.#state.userEvents.list();
  }

  /** The Lamport time the next local event gets. */
  get eventClock(): number {
    return this.#state.userEvents.clock;
  }

  counters(): RumorCounters {
    return this.#state.counterValues();
  }

  sizes(): RumorSizes {
    const s = this.#state;
    const tombstones = this.withdrawnServices().length;
    return {
      services: s.services.size - tombstones,
      tombstones,
      configs: s.configs.size,
      files: s.files.size,
      departures: s.departures.size,
      events: s.userEvents.size,
      fetches: this.#large.inflight,
      purgeWaiting: this.#sweeper.waiting,
    };
  }

  on<K extends keyof RumorEvents>(event: K, listener: RumorEvents[K]): () => void {
    return this.#state.events.on(event, listener);
  }

  /** Runs the lifecycle sweep now (it also runs every rumorSweepIntervalMs). */
  sweep(): void {
    this.#sweeper.sweep();
  }

  // ---- internals ----

  #arm(): void {
    const ctx = this.#state.ctx;
    this.#timer = ctx.deps.clock.setTimer(this.options.rumorSweepIntervalMs, () => {
      if (!ctx.running) return;
      this.#arm();
      try {
        this.#sweeper.sweep();
      } catch (err) {
        ctx.logger.error({ err }, 'rumor sweep failed');
      }
    });
  }

  #receive(body: Uint8Array, src: RumorSource): void {
    const state = this.#state;
    let rumor: RumorWire;
    try {
      rumor = decodeRumor(body, this.options);
    } catch (err) {
      state.malformed(err instanceof DecodeError ? err.reason : 'malformed');
      return;
    }
    try {
      applyRumor(this.#env, rumor, body, src);
    } catch (err) {
      state.malformed('handler');
      state.ctx.logger.warn({ err, kind: rumor.kind }, 'rumor handler failed');
    }
  }

  #collect(): Uint8Array[] {
    const s = this.#state;
    const out: Uint8Array[] = [];
    for (const store of [s.services, s.configs, s.files] as const) {
      for (const [, , e] of store.entries()) out.push(s.syncPart(e as StoreEntry<StoredRumor>));
    }
    for (const [, , e] of s.departures.entries()) out.push(e.encoded);
    return out;
  }

  /** Validates a locally made rumor with the same checks as a received one, then stores and gossips it. */
  #storeLocal(r: ServiceRumor | ServiceConfigRumor | ServiceFileRumor): void {
    const encoded = this.#validated(r);
    if (!this.#state.store(r, encoded, true)) throw new ChorusError(ErrorCode.Unavailable, `the ${r.kind} rumor store is full`);
  }

  #validated(r: RumorWire): Uint8Array {
    const encoded = encodeRumor(r);
    try {
      decodeRumor(encoded, this.options);
    } catch (err) {
      const field = err instanceof DecodeError ? (err.field ?? err.reason) : 'rumor';
      throw new ChorusError(ErrorCode.BadRequest, `invalid ${r.kind} rumor: bad ${field}`, { cause: err, details: { field } });
    }
    return encoded;
  }

  #list<T>(store: { entries(): IterableIterator<[string, string, { rumor: T }]>; under(key: string): IterableIterator<[string, { rumor: T }]> }, key?: string): T[] {
    if (key !== undefined) return [...store.under(key)].map(([, e]) => e.rumor);
    return [...store.entries()].map(([, , e]) => e.rumor);
  }

  #localServices(): string[] {
    const self = this.#state.ctx.self.id;
    return this.services().filter((r) => r.memberId === self).map((r) => r.group);
  }
}

function tooLarge(what: string, size: number, max: number): ChorusError {
  return new ChorusError(ErrorCode.TooLarge, `${what} is ${size} bytes; the limit is ${max}`, { details: { size, max } });
}

function notHigher(what: string, version: number, current: number): ChorusError {
  return new ChorusError(ErrorCode.Conflict, `${what}: version ${version} is not higher than the current version ${current}`, {
    details: { version, current },
  });
}
