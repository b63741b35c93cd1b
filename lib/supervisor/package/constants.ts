/** The files and directories of a package directory. */
export const MANIFEST_FILE = 'package.toml';
export const DEFAULTS_FILE = 'default.toml';
export const HOOKS_DIR = 'hooks';
export const CONFIG_DIR = 'config';

/** Origins, names and bind names: what Habitat accepts in an ident part. */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
/** Versions and releases: one ident part, no slashes or spaces. */
export const VERSION_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** Signals a package may name as its shutdown signal, without the SIG prefix. */
export const SHUTDOWN_SIGNALS = ['TERM', 'INT', 'QUIT', 'HUP', 'KILL', 'USR1', 'USR2'] as const;
export const DEFAULT_SHUTDOWN_SIGNAL = 'TERM';
/** Seconds between the shutdown signal and SIGKILL (Habitat's default). */
export const DEFAULT_SHUTDOWN_TIMEOUT_SEC = 8;

/** Refuse template files larger than this: they are read into memory and rendered on every change. */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;
/** And packages with more config templates than this. */
export const MAX_CONFIG_TEMPLATES = 1000;
