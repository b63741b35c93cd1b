import { join } from 'node:path';
import { SERVICES_DIR, SPECS_DIR, SVC_DIRS, USER_DIR } from './constants.js';
import type { HookName } from '../types.js';

/** Where one service's files live in the data directory. */
export interface ServiceLayout {
  svcPath: string;
  hooksPath: string;
  configPath: string;
  configInstallPath: string;
  logsPath: string;
  dataPath: string;
  filesPath: string;
  staticPath: string;
  varPath: string;
  pidFile: string;
  userTomlPath: string;
  specFile: string;
}

export function serviceLayout(dataDir: string, service: string): ServiceLayout {
  const svcPath = join(dataDir, SERVICES_DIR, service);
  return {
    svcPath,
    hooksPath: join(svcPath, SVC_DIRS.hooks),
    configPath: join(svcPath, SVC_DIRS.config),
    configInstallPath: join(svcPath, SVC_DIRS.configInstall),
    logsPath: join(svcPath, SVC_DIRS.logs),
    dataPath: join(svcPath, SVC_DIRS.data),
    filesPath: join(svcPath, SVC_DIRS.files),
    staticPath: join(svcPath, SVC_DIRS.static),
    varPath: join(svcPath, SVC_DIRS.var),
    pidFile: join(svcPath, 'PID'),
    userTomlPath: join(dataDir, USER_DIR, service, 'config', 'user.toml'),
    specFile: join(dataDir, SPECS_DIR, `${service}.spec`),
  };
}

/** The directories to create before a service first runs. */
export function layoutDirs(layout: ServiceLayout): string[] {
  return [
    layout.hooksPath,
    layout.configPath,
    layout.configInstallPath,
    layout.logsPath,
    layout.dataPath,
    layout.filesPath,
    layout.staticPath,
    layout.varPath,
  ];
}

/** `logs/<hook>.stdout.log` and `.stderr.log`. */
export function hookLogPaths(layout: ServiceLayout, hook: HookName): { stdout: string; stderr: string } {
  return { stdout: join(layout.logsPath, `${hook}.stdout.log`), stderr: join(layout.logsPath, `${hook}.stderr.log`) };
}
