import { mkdir, readFile, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ChorusError, ErrorCode, messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Startable } from '../../core/lifecycle.js';
import { loadPackage } from '../package/load.js';
import { formatServiceGroup, parseServiceGroup } from '../service-group.js';
import { SPECS_DIR } from '../service/constants.js';
import { Service, type ServiceDeps } from '../service/service.js';
import { checkSpecAgainstPackage, parseServiceSpec, specFromToml, specToToml } from '../service/spec.js';
import type { CensusView, ServiceSpec } from '../service/types.js';

export interface ServiceManagerDeps extends Omit<ServiceDeps, 'onChange' | 'logger'> {
  logger: Logger;
  /** The node's data directory: specs in `specs/`, services in `svc/`. */
  dataDir: string;
  /** Called when any service changed what `/services` or the census shows. */
  onChange?: (service: Service) => void;
}

/**
 * The services of one node: load, unload, start, stop, and bring them all
 * back from their spec files after a restart. One service per package name,
 * as in Habitat. Each spec is written atomically before the service starts,
 * so a crash right after `svc load` still finds it on the next start.
 */
export class ServiceManager implements Startable {
  readonly #deps: ServiceManagerDeps;
  readonly #log: Logger;
  readonly #services = new Map<string, Service>();
  #census: CensusView = { groups: {} };

  constructor(deps: ServiceManagerDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'MR' });
  }

  get specsPath(): string {
    return join(this.#deps.dataDir, SPECS_DIR);
  }

  /** Reloads every spec in the data directory; one that fails is logged and skipped. */
  async start(): Promise<void> {
    await mkdir(this.specsPath, { recursive: true });
    const files = (await readdir(this.specsPath)).filter((f) => f.endsWith('.spec')).sort();
    for (const file of files) {
      const path = join(this.specsPath, file);
      try {
        const spec = specFromToml(path, await readFile(path, 'utf8'));
        await this.#add(spec);
      } catch (err) {
        this.#log.error(`cannot restore service from ${path}: ${messageOf(err)}`);
      }
    }
  }

  /** Stops every service; their specs stay, so the next start brings them back. */
  async stop(): Promise<void> {
    await Promise.all([...this.#services.values()].map((s) => s.stop().catch((err: unknown) => this.#log.error(messageOf(err)))));
  }

  /**
   * `svc load`: validates the spec and the whole package (a refusal names the
   * file and line), persists the spec and starts the service in the
   * background. Conflict when a service of that name is already loaded.
   */
  async load(input: unknown): Promise<Service> {
    const spec = parseServiceSpec(input);
    return this.#add({ ...spec, packagePath: resolve(spec.packagePath) }, true);
  }

  /** `svc unload`: stops the service and forgets it. NotFound when it is not loaded. */
  async unload(serviceGroup: string): Promise<Service> {
    const service = this.find(serviceGroup, true);
    this.#services.delete(service.pkg.manifest.name);
    // Tell the ring first: binders stop using the service while it shuts down, not after.
    this.#deps.onChange?.(service);
    await unlink(service.layout.specFile).catch(() => undefined);
    await service.stop();
    this.#log.info(`Unloaded ${service.serviceGroup}`);
    return service;
  }

  /** `svc start`: desired state Up, persisted. */
  async startService(serviceGroup: string): Promise<Service> {
    const service = this.find(serviceGroup, true);
    service.spec.desiredState = 'Up';
    await this.#persist(service.spec, service.layout.specFile);
    void service.start();
    return service;
  }

  /** `svc stop`: desired state Down, persisted; resolves once stopped. */
  async stopService(serviceGroup: string): Promise<Service> {
    const service = this.find(serviceGroup, true);
    service.spec.desiredState = 'Down';
    await this.#persist(service.spec, service.layout.specFile);
    await service.stop();
    return service;
  }

  /** Loaded services in service-group order. */
  list(): Service[] {
    return [...this.#services.values()].sort((a, b) => (a.serviceGroup < b.serviceGroup ? -1 : 1));
  }

  /**
   * The service loaded as `serviceGroup`. BadRequest when the name is not a
   * valid service group (the HTTP routes answer 400), undefined or NotFound
   * (when `required`) when it is valid but not loaded (404).
   */
  find(serviceGroup: string, required: true): Service;
  find(serviceGroup: string, required?: boolean): Service | undefined;
  find(serviceGroup: string, required = false): Service | undefined {
    const name = formatServiceGroup(parseServiceGroup(serviceGroup));
    const service = this.list().find((s) => s.serviceGroup === name);
    if (service === undefined && required) throw new ChorusError(ErrorCode.NotFound, `service ${name} is not loaded`);
    return service;
  }

  /** Hands a new census view to every service. */
  async updateCensus(census: CensusView): Promise<void> {
    this.#census = census;
    await Promise.all(this.list().map((s) => s.updateCensus(census).catch(() => undefined)));
  }

  async #add(spec: ServiceSpec, persist = false): Promise<Service> {
    const pkg = await loadPackage(spec.packagePath);
    checkSpecAgainstPackage(spec, pkg);
    const existing = this.#services.get(pkg.manifest.name);
    if (existing !== undefined) {
      throw new ChorusError(ErrorCode.Conflict, `service ${pkg.manifest.name} is already loaded (as ${existing.serviceGroup}); unload it first`);
    }
    const service = await Service.create(
      { ...this.#deps, onChange: (s) => this.#deps.onChange?.(s) },
      { spec, pkg, dataDir: this.#deps.dataDir, census: this.#census },
    );
    if (persist) await this.#persist(spec, service.layout.specFile);
    this.#services.set(pkg.manifest.name, service);
    this.#log.info(`Loaded ${service.serviceGroup} from ${pkg.dir}`);
    if (spec.desiredState === 'Up') void service.start();
    this.#deps.onChange?.(service);
    return service;
  }

  async #persist(spec: ServiceSpec, file: string): Promise<void> {
    await mkdir(this.specsPath, { recursive: true });
    await writeFileAtomic(file, specToToml(spec));
  }
}
