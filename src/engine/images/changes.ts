/**
 * `docker import --change` / `commit --change`: Dockerfile instructions applied to an image config. Docker allows
 * CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, USER, VOLUME, WORKDIR, and we also take STOPSIGNAL
 * and SHELL. Pure; unit-tested in changes.test.ts.
 */
import { invalidArgument } from '../errdefs.js';
import type { ImageRuntimeConfig } from './manifest.js';

const ALLOWED = new Set(['cmd', 'entrypoint', 'env', 'expose', 'healthcheck', 'label', 'onbuild', 'user', 'volume', 'workdir', 'stopsignal', 'shell']);
const KNOWN = new Set([...ALLOWED, 'from', 'run', 'copy', 'add', 'arg', 'maintainer']);

/**
 * Splits `s` into words the way Dockerfile ENV/LABEL values are read: whitespace separates, single quotes are
 * literal, double quotes allow `\"` and `\\`, a backslash outside quotes escapes the next character.
 */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw invalidArgument(`unexpected end of statement while looking for matching single-quote`);
      cur += s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && (s[j + 1] === '"' || s[j + 1] === '\\')) j++;
        cur += s[j];
      }
      if (j >= s.length) throw invalidArgument(`unexpected end of statement while looking for matching double-quote`);
      i = j;
    } else {
      cur += c;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** The JSON form (`["a", "b"]`) when `rest` is one, else undefined. */
function jsonArray(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: Docker then takes the shell form
  }
  return undefined;
}

/** `K=V` pairs, or the legacy `K V...` form (one pair, the rest of the line as the value). */
function pairs(rest: string, instr: string): [string, string][] {
  const t = rest.trim();
  if (t === '') throw invalidArgument(`${instr} requires at least one argument`);
  const first = /^\S+/.exec(t)![0];
  if (!first.includes('=')) {
    const value = t.slice(first.length).trim();
    if (value === '' && instr === 'ENV') throw invalidArgument(`ENV must have two arguments`);
    return [[first, splitWords(value).join(' ')]];
  }
  return splitWords(t).map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw invalidArgument(`${instr} names can not be blank`);
    return [w.slice(0, eq), w.slice(eq + 1)] as [string, string];
  });
}

function ports(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) throw invalidArgument(`invalid containerPort: ${w}`);
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    const proto = (m[3] ?? 'tcp').toLowerCase();
    if (lo < 1 || hi > 65535 || hi < lo) throw invalidArgument(`invalid range format for --expose: ${w}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

/** Go duration subset for HEALTHCHECK flags (`30s`, `1m30s`, `500ms`) in nanoseconds. */
function duration(v: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(v)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== v.length || v === '') throw invalidArgument(`invalid value for --${flag}: ${v}`);
  return Math.round(total);
}

function path(p: string, cwd: string | undefined): string {
  if (p.startsWith('/')) return p;
  const base = cwd && cwd !== '' ? cwd : '/';
  return (base.endsWith('/') ? base : base + '/') + p;
}

/** Applies one change line to `cfg` (mutated). invalid-argument with Docker's wording for bad input. */
export function applyChange(cfg: ImageRuntimeConfig, line: string, state: { cmdSet: boolean } = { cmdSet: false }): void {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(line);
  if (!m) return;
  const instr = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  const INSTR = instr.toUpperCase();
  if (!KNOWN.has(instr)) throw invalidArgument(`dockerfile parse error line 1: unknown instruction: ${INSTR}`);
  if (!ALLOWED.has(instr)) throw invalidArgument(`${INSTR} is not a valid change command`);
  switch (instr) {
    case 'cmd':
    case 'entrypoint': {
      const argv = jsonArray(rest) ?? (rest === '' ? [] : [...(cfg.Shell ?? ['/bin/sh', '-c']), rest]);
      if (instr === 'cmd') {
        cfg.Cmd = argv;
        state.cmdSet = true;
      } else {
        cfg.Entrypoint = argv;
        // Docker: a new ENTRYPOINT resets an inherited CMD (not one set by these changes).
        if (!state.cmdSet) cfg.Cmd = null;
      }
      return;
    }
    case 'shell': {
      const argv = jsonArray(rest);
      if (argv === undefined || argv.length === 0) throw invalidArgument('SHELL requires the arguments to be in JSON form');
      cfg.Shell = argv;
      return;
    }
    case 'env': {
      const env = [...(cfg.Env ?? [])];
      for (const [k, v] of pairs(rest, 'ENV')) {
        const i = env.findIndex((e) => e.split('=')[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      cfg.Env = env;
      return;
    }
    case 'label': {
      const labels = { ...(cfg.Labels ?? {}) };
      for (const [k, v] of pairs(rest, 'LABEL')) labels[k] = v;
      cfg.Labels = labels;
      return;
    }
    case 'expose': {
      const words = splitWords(rest);
      if (words.length === 0) throw invalidArgument('EXPOSE requires at least one argument');
      const exposed = { ...(cfg.ExposedPorts ?? {}) };
      for (const p of ports(words)) exposed[p] = {};
      cfg.ExposedPorts = exposed;
      return;
    }
    case 'volume': {
      const vols = jsonArray(rest) ?? splitWords(rest);
      if (vols.length === 0) throw invalidArgument('VOLUME requires at least one argument');
      const v = { ...(cfg.Volumes ?? {}) };
      for (const p of vols) {
        if (p.trim() === '') throw invalidArgument('VOLUME specified can not be an empty string');
        v[p] = {};
      }
      cfg.Volumes = v;
      return;
    }
    case 'workdir': {
      if (rest === '') throw invalidArgument('WORKDIR requires exactly one argument');
      cfg.WorkingDir = path(splitWords(rest).join(' '), cfg.WorkingDir);
      return;
    }
    case 'user': {
      if (rest === '') throw invalidArgument('USER requires exactly one argument');
      cfg.User = splitWords(rest)[0]!;
      return;
    }
    case 'stopsignal': {
      if (rest === '') throw invalidArgument('STOPSIGNAL requires exactly one argument');
      cfg.StopSignal = rest;
      return;
    }
    case 'onbuild': {
      if (rest === '') throw invalidArgument('ONBUILD requires at least one argument');
      const trigger = rest.split(/\s+/)[0]!.toUpperCase();
      if (trigger === 'ONBUILD' || trigger === 'FROM' || trigger === 'MAINTAINER') {
        throw invalidArgument(`${trigger} isn't allowed as an ONBUILD trigger`);
      }
      cfg.OnBuild = [...(cfg.OnBuild ?? []), rest];
      return;
    }
    case 'healthcheck': {
      const words = splitWords(rest);
      if (words.length === 0) throw invalidArgument('HEALTHCHECK requires an argument');
      if (words[0]!.toUpperCase() === 'NONE') {
        cfg.Healthcheck = { Test: ['NONE'] };
        return;
      }
      const hc: NonNullable<ImageRuntimeConfig['Healthcheck']> = {};
      let i = 0;
      let remaining = rest;
      for (; i < words.length && words[i]!.startsWith('--'); i++) {
        const [flag, value = ''] = words[i]!.slice(2).split(/=(.*)/s);
        if (flag === 'interval') hc.Interval = duration(value, flag);
        else if (flag === 'timeout') hc.Timeout = duration(value, flag);
        else if (flag === 'start-period') hc.StartPeriod = duration(value, flag);
        else if (flag === 'start-interval') hc.StartInterval = duration(value, flag);
        else if (flag === 'retries') {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 0) throw invalidArgument(`invalid value for --retries: ${value}`);
          hc.Retries = n;
        } else throw invalidArgument(`unknown flag: ${flag}`);
        remaining = remaining.slice(remaining.indexOf(words[i]!) + words[i]!.length).trim();
      }
      if (words[i]?.toUpperCase() !== 'CMD') throw invalidArgument('Unknown type in HEALTHCHECK (try CMD)');
      const cmdRest = remaining.slice(3).trim();
      const argv = jsonArray(cmdRest);
      hc.Test = argv !== undefined ? ['CMD', ...argv] : ['CMD-SHELL', cmdRest];
      cfg.Healthcheck = hc;
      return;
    }
  }
}

/** Applies `changes` in order to a copy of `base` and returns it. */
export function applyChanges(base: ImageRuntimeConfig, changes: readonly string[]): ImageRuntimeConfig {
  const cfg: ImageRuntimeConfig = structuredClone(base);
  const state = { cmdSet: false };
  for (const c of changes) applyChange(cfg, c, state);
  return cfg;
}
