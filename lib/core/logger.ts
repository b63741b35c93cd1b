import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; standard output by default. */
  destination?: { write(line: string): void };
  /** Bindings on every line, e.g. the node name. */
  base?: Record<string, unknown>;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const STANDARD_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component', 'node']);

/**
 * Renders one pino JSON line the way Habitat's supervisor prints its log:
 * `chorus-sup(MR): Supervisor Member-ID ...`, with the level named only when it
 * is not info and any extra fields appended as key=value.
 */
export function formatPretty(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const component = typeof record.component === 'string' ? record.component : 'MR';
  const level = typeof record.level === 'number' ? record.level : 30;
  const prefix = level === 30 ? '' : `${LEVEL_NAMES[level] ?? level} `;
  const extras = Object.entries(record)
    // A value the message already states (the member id) is not repeated.
    .filter(([key, value]) => !STANDARD_KEYS.has(key) && !(typeof value === 'string' && typeof record.msg === 'string' && record.msg.includes(value)))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const msg = typeof record.msg === 'string' ? record.msg : '';
  return `chorus-sup(${component}): ${prefix}${msg}${extras.length > 0 ? ` ${extras.join(' ')}` : ''}\n`;
}

/**
 * The one place loggers are made. Components take `logger.child({ component })`
 * so every line says who wrote it. Lines are written synchronously: a node
 * that is killed right after logging must not lose the line.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'json';
  const sink: { write(line: string): void } = options.destination ?? pino.destination({ dest: 1, sync: true });
  const stream: DestinationStream =
    format === 'pretty' ? { write: (line: string) => sink.write(formatPretty(line)) } : (sink as DestinationStream);
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

/** A logger that discards everything, for tests and the simulator. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
