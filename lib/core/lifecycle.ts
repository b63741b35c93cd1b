import { ChorusError, ErrorCode } from './errors.js';

/** Anything with a start/stop lifecycle. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type LifecycleState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * Starts components in order and stops them in reverse. Stopping aborts the
 * shutdown signal first, so every pending operation that listens to it ends
 * promptly; a component that failed to start is not stopped, the ones before
 * it are.
 */
export class Lifecycle {
  #controller = new AbortController();
  #state: LifecycleState = 'new';
  #started: Startable[] = [];
  #stopping: Promise<void> | undefined;

  /** Aborted when the node begins to stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  /** Starts each component in turn; on failure stops those already started and rethrows. */
  async start(components: readonly Startable[]): Promise<void> {
    if (this.#state !== 'new') throw new ChorusError(ErrorCode.Internal, `cannot start from state ${this.#state}`);
    this.#state = 'starting';
    try {
      for (const component of components) {
        if (this.#controller.signal.aborted) {
          throw new ChorusError(ErrorCode.ShuttingDown, 'stopped while starting');
        }
        await component.start();
        this.#started.push(component);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.#state = 'running';
  }

  /**
   * Stops everything started, in reverse order. Idempotent: concurrent and
   * repeated calls share one shutdown. Errors from individual components are
   * collected so that one bad component does not leave the others running.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<void> {
    this.#state = 'stopping';
    this.#controller.abort(new ChorusError(ErrorCode.ShuttingDown, 'node is stopping'));
    const errors: unknown[] = [];
    for (const component of this.#started.reverse()) {
      try {
        await component.stop();
      } catch (err) {
        errors.push(err);
      }
    }
    this.#started = [];
    this.#state = 'stopped';
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several components failed to stop');
  }
}
