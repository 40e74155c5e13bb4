/**
 * Image history `created_by` strings, as BuildKit writes them (what `docker history` shows for images built by
 * `docker build` today), with the `comment` BuildKit uses. Pure formatting: the executor passes what it ran.
 */
import type { HealthConfig } from './dockerfile/instructions.js';
import type { ResolvedInstruction } from './stage-env.js';

/** The `comment` of every history entry of a Dockerfile build. */
export const HISTORY_COMMENT = 'buildkit.dockerfile.v0';

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x7f || (!/\p{C}/u.test(ch) && !(/\p{Z}/u.test(ch) && cp !== 0x20))) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
function quoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/** Go's `%v` of a string slice: `[a b]`. */
function plainList(list: readonly string[]): string {
  return `[${list.join(' ')}]`;
}

function fmtFrac(v: number, prec: number): { digits: string; rest: number } {
  let digits = '';
  let print = false;
  let w = v;
  for (let i = 0; i < prec; i++) {
    const d = w % 10;
    print = print || d !== 0;
    if (print) digits = `${d}${digits}`;
    w = Math.floor(w / 10);
  }
  return { digits: print ? `.${digits}` : '', rest: w };
}

/** Go's time.Duration.String for a duration in nanoseconds (`1m30s`, `500ms`, `0s`). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.trunc(ns));
  let out: string;
  if (u < 1e9) {
    if (u < 1e3) out = `${u}ns`;
    else if (u < 1e6) {
      const { digits, rest } = fmtFrac(u, 3);
      out = `${rest}${digits}µs`;
    } else {
      const { digits, rest } = fmtFrac(u, 6);
      out = `${rest}${digits}ms`;
    }
  } else {
    const { digits, rest } = fmtFrac(u, 9);
    u = rest;
    out = `${u % 60}${digits}s`;
    u = Math.floor(u / 60);
    if (u > 0) {
      out = `${u % 60}m${out}`;
      u = Math.floor(u / 60);
      if (u > 0) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

function healthString(h: HealthConfig): string {
  return `{Test:${plainList(h.test)} Interval:${goDuration(h.interval)} Timeout:${goDuration(h.timeout)} StartPeriod:${goDuration(
    h.startPeriod,
  )} StartInterval:${goDuration(h.startInterval)} Retries:${h.retries}}`;
}

/** What the executor knows beyond the resolved instruction. */
export interface CreatedByContext {
  /** RUN: the argv that ran (from `runArgv`). CMD/ENTRYPOINT: the stored config value (`configCommand`). */
  args?: readonly string[];
  /** RUN: `StageEnvironment.historyBuildArgs()` at that step. */
  buildArgs?: readonly string[];
  /** WORKDIR: the resulting working directory (`normalizeWorkdir`). */
  workdir?: string;
}

/**
 * The `created_by` of the history entry for `r`, or undefined for instructions that add none (ONBUILD).
 * RUN/COPY/ADD end in ` # buildkit` (they make layers); metadata instructions do not.
 */
export function createdBy(r: ResolvedInstruction, ctx: CreatedByContext = {}): string | undefined {
  switch (r.kind) {
    case 'RUN': {
      const args = ctx.args ?? [];
      const build = ctx.buildArgs ?? [];
      const prefix = build.length > 0 ? [`|${build.length}`, ...build] : [];
      return `RUN ${[...prefix, ...args].join(' ')} # buildkit`;
    }
    case 'COPY':
    case 'ADD': {
      let s = r.kind;
      if (r.kind === 'COPY' && r.parents) s += ' --parents';
      if (r.chown !== undefined) s += ` --chown=${r.chown}`;
      if (r.chmodText !== undefined) s += ` --chmod=${r.chmodText}`;
      for (const src of r.sources) s += ` ${typeof src === 'string' ? src : src.kind === 'local' ? src.path : src.url}`;
      for (const inline of r.inlineSources) s += ` <<${inline.name}`;
      return `${s} ${r.dest} # buildkit`;
    }
    case 'ENV':
      return `ENV${r.pairs.map((p) => ` ${p.key}=${p.value}`).join('')}`;
    case 'LABEL':
      return `LABEL${r.labels.map((p) => ` ${p.key}=${p.value}`).join('')}`;
    case 'ARG':
      return `ARG ${r.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`)).join(' ')}`;
    case 'EXPOSE':
      return `EXPOSE ${plainList(r.ports)}`;
    case 'WORKDIR':
      return `WORKDIR ${ctx.workdir ?? r.path}`;
    case 'USER':
      return `USER ${r.user}`;
    case 'VOLUME':
      return `VOLUME ${plainList(r.volumes)}`;
    case 'STOPSIGNAL':
      return `STOPSIGNAL ${r.signal}`;
    case 'SHELL':
      return `SHELL ${plainList(r.shell)}`;
    case 'CMD':
    case 'ENTRYPOINT':
      return `${r.kind} ${quoteList(ctx.args ?? (r.command.form === 'exec' ? r.command.args : [r.command.command]))}`;
    case 'HEALTHCHECK':
      return `HEALTHCHECK ${healthString(r.health)}`;
    case 'MAINTAINER':
      return `MAINTAINER ${r.maintainer}`;
    case 'ONBUILD':
      return undefined;
  }
}
