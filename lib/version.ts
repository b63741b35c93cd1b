/** The Chorus release, as `chorus --version`, `sys.version` and `/v1/agent/self` report it. */
export const CHORUS_VERSION = '0.1.0';
