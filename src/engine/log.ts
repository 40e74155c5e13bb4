/**
 * A small structured logger. The engine never prints: it logs through the Logger it was given, and the CLI
 * decides where lines go (stderr, at `warn` by default, `debug` with --debug).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
  readonly level: LogLevel;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function render(fields: LogFields): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s = typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v);
    parts.push(/[\s"=]/.test(s) ? `${k}=${JSON.stringify(s)}` : `${k}=${s}`);
  }
  return parts.join(' ');
}

/** A logger writing logrus-style lines (`WARN[0000] msg key=value`) through `write`. */
export function createLogger(level: LogLevel, write: (line: string) => void, base: LogFields = {}): Logger {
  const start = Date.now();
  const emit = (l: LogLevel, msg: string, fields?: LogFields) => {
    if (rank[l] < rank[level]) return;
    const secs = String(Math.floor((Date.now() - start) / 1000)).padStart(4, '0');
    const extra = render({ ...base, ...fields });
    write(`${l.toUpperCase().slice(0, 4)}[${secs}] ${msg}${extra ? ' ' + extra : ''}\n`);
  };
  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    with: (fields) => createLogger(level, write, { ...base, ...fields }),
  };
}

/** A logger that drops everything (tests, completion). */
export const nullLogger: Logger = {
  level: 'error',
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  with: () => nullLogger,
};
