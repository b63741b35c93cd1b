/** The census: service groups and their members, from the membership and the rumor stores. Pure: no I/O. */
export { CensusRing } from './ring.js';
export { censusInput } from './from-butterfly.js';
export { censusMember, healthFlags, parseCfg, parsePkg, type HealthFlags } from './build.js';
export type * from './types.js';
