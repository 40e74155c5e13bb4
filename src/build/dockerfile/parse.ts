/**
 * Dockerfile text -> typed instructions (instructions.ts).
 *
 * Why not dockerfile-ast (checked with 0.7.1): DESIGN.md suggested it for instruction boundaries, positions and
 * diagnostics, but the boundaries it finds are wrong exactly where a builder cannot afford it: with an fd heredoc
 * (`RUN <<EOF 3<<IN`) the body lines of `IN` come back as bogus instructions, and a builder must also read the
 * heredoc bodies itself. Its JSON values, flag splitting (`--mount` on every comma) and variable expansion are
 * wrong too, and it produces no diagnostics of its own (that is dockerfile-utils). What is left (line ranges,
 * comments, the escape directive) is a hundred lines of BuildKit's rules in scanner.ts and directives.ts, while
 * importing dockerfile-ast costs about 45 ms of startup here: most of the budget of a fully cached rebuild. So
 * nothing in the build path imports it; the scanner, flag scanner, lexer and heredoc reader are our own ports of
 * BuildKit's behaviour, each unit-tested.
 */
import { internal } from '../../engine/errdefs.js';
import { DockerfileError, atLocation, syntaxError, withSuggestion, type ErrorLocation } from './errors.js';
import { isDockerfileFrontend } from './directives.js';
import { parseFlags, type FlagSpecs } from './flags.js';
import { parseHeredocWord, type Heredoc } from './heredoc.js';
import {
  KEYWORDS,
  type AddInstruction,
  type ArgDeclaration,
  type CommandLine,
  type CopyInstruction,
  type Dockerfile,
  type DockerfileWarning,
  type HealthConfig,
  type InlineSource,
  type Instruction,
  type KeyValue,
  type SourceLocation,
} from './instructions.js';
import { parseJsonArray } from './json-form.js';
import { parseMountSpec } from './mount-flags.js';
import { scanDockerfile, splitInstruction, type ScannedInstruction } from './scanner.js';
import { lexerFor } from './shell-lexer.js';
import { parseGoDuration } from './values.js';

export interface ParseDockerfileOptions {
  /** The name used in error messages (`Dockerfile:3: ...`); default `Dockerfile`. */
  file?: string;
}

/**
 * Parses a Dockerfile. Throws {@link DockerfileError} (invalid-argument, with `line`) for any syntax error: an
 * empty file, a bad directive, an unknown instruction or flag, missing arguments, an unterminated heredoc, an
 * instruction before the first FROM other than ARG.
 */
export function parseDockerfile(text: string, options: ParseDockerfileOptions = {}): Dockerfile {
  const file = options.file ?? 'Dockerfile';
  if (text.length === 0) throw new DockerfileError(file, 0, 0, 'the Dockerfile cannot be empty');
  const scan = scanDockerfile(text, file);
  const warnings: DockerfileWarning[] = scan.warnings.map((w) => ({ line: w.line, message: w.message }));
  const syntax = scan.directives.find((d) => d.name === 'syntax');
  const check = scan.directives.find((d) => d.name === 'check');
  if (syntax !== undefined && !isDockerfileFrontend(syntax.value)) {
    warnings.push({
      line: syntax.line,
      message: `syntax directive "${syntax.value}" is ignored: this builder implements the Dockerfile frontend itself`,
    });
  }
  const ctx: Ctx = { file, escape: scan.escape, warnings };
  const instructions: Instruction[] = [];
  let sawFrom = false;
  for (const s of scan.instructions) {
    const instr = parseScanned(s, ctx, false);
    if (instr.kind === 'FROM') sawFrom = true;
    else if (!sawFrom && instr.kind !== 'ARG') {
      throw new DockerfileError(file, s.startLine, s.endLine, 'no build stage in current context');
    }
    instructions.push(instr);
  }
  return {
    file,
    escape: scan.escape,
    ...(syntax !== undefined ? { syntax: syntax.value } : {}),
    ...(check !== undefined ? { check: check.value } : {}),
    instructions,
    warnings,
  };
}

/**
 * Parses an ONBUILD trigger expression (from an image config's `OnBuild`, or a same-file parent stage) into an
 * instruction placed at `location` (the child's FROM line, as Docker reports trigger errors). Triggers are
 * always read with `\` as escape character, as Docker does.
 */
export function parseTrigger(expression: string, location: SourceLocation, file = 'Dockerfile'): Instruction {
  const loc: ErrorLocation = { file, startLine: location.startLine, endLine: location.endLine };
  const scan = atLocation(loc, () => scanDockerfile(expression, file));
  if (scan.instructions.length !== 1) {
    throw new DockerfileError(file, loc.startLine, loc.endLine, 'onbuild trigger should be a single expression');
  }
  const s = { ...(scan.instructions[0] as ScannedInstruction), ...location };
  const kw = s.keyword.toUpperCase();
  if (kw === 'FROM' || kw === 'MAINTAINER') {
    throw new DockerfileError(file, loc.startLine, loc.endLine, `${kw} isn't allowed as an ONBUILD trigger`);
  }
  return parseScanned(s, { file, escape: '\\', warnings: [] }, true);
}

interface Ctx {
  file: string;
  escape: '\\' | '`';
  warnings: DockerfileWarning[];
}

const WHITESPACE = /[\t\v\f\r ]+/u;

/** Docker's whitespace split (not quote-aware): FROM, EXPOSE, and the shell form of COPY/ADD/VOLUME. */
function splitWhitespace(text: string): string[] {
  if (text === '') return [];
  return text.split(WHITESPACE);
}

/**
 * Docker's quote-aware word split used by ENV, LABEL and ARG: quotes and escapes are kept in the words (they are
 * processed later by the lexer), but whitespace inside quotes or after the escape character does not split.
 */
function splitQuotedWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let word = '';
  const chars = Array.from(text);
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = atEnd ? '' : (chars[pos] as string);
    if (phase === 'spaces') {
      if (atEnd) break;
      if (/\s/u.test(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (/\s/u.test(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos] as string;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos] as string;
    }
    word += ch;
  }
  return words;
}

/** RUN/CMD/ENTRYPOINT/SHELL argument text -> exec or shell form. */
function commandLine(args: string): CommandLine {
  const json = parseJsonArray(args);
  return json !== undefined ? { form: 'exec', args: json } : { form: 'shell', command: args };
}

const KEYWORD_SET = new Set<string>(KEYWORDS);

const NO_FLAGS: FlagSpecs = {};
const COPY_FLAGS: FlagSpecs = { chown: 'string', from: 'string', chmod: 'string', link: 'bool', exclude: 'strings', parents: 'bool' };
const ADD_FLAGS: FlagSpecs = {
  chown: 'string',
  chmod: 'string',
  link: 'bool',
  'keep-git-dir': 'bool',
  checksum: 'string',
  unpack: 'bool',
  exclude: 'strings',
};
const RUN_FLAGS: FlagSpecs = { mount: 'strings', network: 'string', security: 'string' };
const HEALTH_FLAGS: FlagSpecs = {
  interval: 'string',
  timeout: 'string',
  'start-period': 'string',
  'start-interval': 'string',
  retries: 'string',
};

function parseScanned(s: ScannedInstruction, ctx: Ctx, inOnbuild: boolean): Instruction {
  const loc: ErrorLocation = { file: ctx.file, startLine: s.startLine, endLine: s.endLine };
  return atLocation(loc, () => parseInstruction(s, ctx, inOnbuild));
}

function parseInstruction(s: ScannedInstruction, ctx: Ctx, inOnbuild: boolean): Instruction {
  const kw = s.keyword.toUpperCase();
  if (!KEYWORD_SET.has(kw)) {
    syntaxError(withSuggestion(`unknown instruction: ${s.keyword}`, s.keyword, KEYWORDS, false));
  }
  const base = { location: { startLine: s.startLine, endLine: s.endLine }, original: s.original };
  const args = s.args;
  const flags = (specs: FlagSpecs) => parseFlags(s.flags, specs);
  const requireOne = (name: string) => {
    if (args === '') syntaxError(`${name} requires exactly one argument`);
  };

  switch (kw) {
    case 'FROM': {
      const words = splitWhitespace(args);
      let stageName: string | undefined;
      if (words.length === 3 && (words[1] as string).toLowerCase() === 'as') {
        const written = words[2] as string;
        stageName = written.toLowerCase();
        if (!/^[a-z][a-z0-9-_.]*$/.test(stageName)) {
          syntaxError(`invalid name for build stage: ${JSON.stringify(written)}, name can't start with a number or contain symbols`);
        }
        if (written !== stageName) ctx.warnings.push({ line: s.startLine, message: `Stage name '${written}' should be lowercase` });
      } else if (words.length !== 1) {
        syntaxError('FROM requires either one or three arguments');
      }
      const f = flags({ platform: 'string' });
      const platform = f.strings.get('platform');
      return {
        ...base,
        kind: 'FROM',
        base: words[0] as string,
        ...(stageName !== undefined ? { stageName } : {}),
        ...(platform !== undefined ? { platform } : {}),
      };
    }

    case 'RUN': {
      const f = flags(RUN_FLAGS);
      const network = f.strings.get('network') ?? 'default';
      if (network !== 'default' && network !== 'none' && network !== 'host') {
        syntaxError(`invalid network mode ${JSON.stringify(network)}`);
      }
      const security = f.strings.get('security') ?? 'sandbox';
      if (security !== 'sandbox' && security !== 'insecure') syntaxError(`security ${JSON.stringify(security)} is not valid`);
      const mounts = (f.lists.get('mount') ?? []).map((m) => parseMountSpec(m));
      return { ...base, kind: 'RUN', command: commandLine(args), heredocs: s.heredocs, mounts, network, security };
    }

    case 'CMD':
    case 'ENTRYPOINT':
      flags(NO_FLAGS);
      return { ...base, kind: kw, command: commandLine(args) };

    case 'ENV':
    case 'LABEL': {
      flags(NO_FLAGS);
      return { ...base, kind: kw, pairs: parseKeyValues(args, kw, ctx.escape) };
    }

    case 'ARG': {
      // Docker does not check ARG's flags: they are ignored.
      const words = splitQuotedWords(args, ctx.escape);
      if (words.length === 0) syntaxError('ARG requires at least one argument');
      const decls: ArgDeclaration[] = words.map((w) => {
        const eq = w.indexOf('=');
        if (eq < 0) return { key: w };
        if (eq === 0) syntaxError('ARG names can not be blank');
        return { key: w.slice(0, eq), defaultValue: w.slice(eq + 1) };
      });
      return { ...base, kind: 'ARG', args: decls };
    }

    case 'EXPOSE': {
      const ports = splitWhitespace(args);
      if (ports.length === 0) syntaxError('EXPOSE requires at least one argument');
      flags(NO_FLAGS);
      return { ...base, kind: 'EXPOSE', ports };
    }

    case 'COPY':
    case 'ADD':
      return parseCopyLike(kw, s, base, ctx);

    case 'WORKDIR':
      requireOne('WORKDIR');
      flags(NO_FLAGS);
      return { ...base, kind: 'WORKDIR', path: args };

    case 'USER':
      requireOne('USER');
      flags(NO_FLAGS);
      return { ...base, kind: 'USER', user: args };

    case 'VOLUME': {
      const json = parseJsonArray(args);
      const words = json ?? splitWhitespace(args);
      if (words.length === 0) syntaxError('VOLUME requires at least one argument');
      flags(NO_FLAGS);
      const volumes = words.map((v) => {
        const t = v.trim();
        if (t === '') syntaxError('VOLUME specified can not be an empty string');
        return t;
      });
      return { ...base, kind: 'VOLUME', volumes, json: json !== undefined };
    }

    case 'STOPSIGNAL':
      // Docker does not check STOPSIGNAL's flags: they are ignored.
      requireOne('STOPSIGNAL');
      return { ...base, kind: 'STOPSIGNAL', signal: args };

    case 'HEALTHCHECK':
      return { ...base, kind: 'HEALTHCHECK', health: parseHealthcheck(args, s.flags) };

    case 'ONBUILD': {
      if (inOnbuild) syntaxError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (args === '') syntaxError('ONBUILD requires at least one argument');
      flags(NO_FLAGS);
      const sub = splitInstruction(args, ctx.escape);
      const subKw = sub.keyword.toUpperCase();
      if (subKw === 'ONBUILD') syntaxError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (subKw === 'MAINTAINER' || subKw === 'FROM') syntaxError(`${subKw} isn't allowed as an ONBUILD trigger`);
      let expression = s.original.replace(/^\s*ONBUILD\s*/iu, '');
      for (const h of s.heredocs) expression += `\n${h.content}${h.name}`;
      const trigger = parseInstruction(
        { ...s, keyword: sub.keyword, flags: sub.flags, args: sub.args, original: s.original.replace(/^\s*ONBUILD\s*/iu, '') },
        ctx,
        true,
      );
      return { ...base, kind: 'ONBUILD', expression, trigger };
    }

    case 'SHELL': {
      flags(NO_FLAGS);
      if (args === '') syntaxError('SHELL requires at least one argument');
      const json = parseJsonArray(args);
      if (json === undefined) syntaxError('SHELL requires the arguments to be in JSON form');
      if (json.length === 0) syntaxError('SHELL requires at least one argument');
      return { ...base, kind: 'SHELL', shell: json };
    }

    case 'MAINTAINER':
      requireOne('MAINTAINER');
      flags(NO_FLAGS);
      ctx.warnings.push({
        line: s.startLine,
        message: 'The MAINTAINER instruction is deprecated, use a label instead to define an image author',
      });
      return { ...base, kind: 'MAINTAINER', maintainer: args };
  }
  throw internal(`unhandled keyword ${kw}`);
}

function parseKeyValues(args: string, kw: 'ENV' | 'LABEL', escape: string): KeyValue[] {
  const words = splitQuotedWords(args, escape);
  if (words.length === 0) syntaxError(`${kw} requires at least one argument`);
  const pairs: KeyValue[] = [];
  if (!(words[0] as string).includes('=')) {
    // Legacy form: `ENV key the rest of the line`.
    const m = WHITESPACE.exec(args);
    if (m === null) syntaxError(`${kw} must have two arguments`);
    pairs.push({ key: args.slice(0, m.index), value: args.slice(m.index + m[0].length), legacy: true });
  } else {
    for (const w of words) {
      const eq = w.indexOf('=');
      if (eq < 0) syntaxError(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
      pairs.push({ key: w.slice(0, eq), value: w.slice(eq + 1), legacy: false });
    }
  }
  for (const p of pairs) if (p.key === '') syntaxError(`${kw} names can not be blank`);
  return pairs;
}

function parseCopyLike(
  kw: 'COPY' | 'ADD',
  s: ScannedInstruction,
  base: { location: SourceLocation; original: string },
  ctx: Ctx,
): CopyInstruction | AddInstruction {
  const json = parseJsonArray(s.args);
  const words = json ?? splitWhitespace(s.args);
  if (words.length < 2) {
    syntaxError(`${kw} requires at least two arguments, but only one was provided. Destination could not be determined`);
  }
  const f = parseFlags(s.flags, kw === 'COPY' ? COPY_FLAGS : ADD_FLAGS);
  const dest = words[words.length - 1] as string;
  if (parseHeredocWord(dest) !== undefined) syntaxError(`${kw} cannot accept a heredoc as a destination`);
  const bodies = new Map<string, Heredoc>();
  for (const h of s.heredocs) bodies.set(h.name, h);
  const sources: string[] = [];
  const inlineSources: InlineSource[] = [];
  for (const w of words.slice(0, -1)) {
    const marker = parseHeredocWord(w);
    if (marker === undefined) {
      sources.push(w);
      continue;
    }
    const body = bodies.get(marker.name);
    inlineSources.push({ name: marker.name, content: body?.body ?? '', expand: marker.expand });
  }
  const chown = f.strings.get('chown');
  const chmod = f.strings.get('chmod');
  const common = {
    ...base,
    sources,
    inlineSources,
    dest,
    json: json !== undefined,
    ...(chown !== undefined ? { chown } : {}),
    ...(chmod !== undefined ? { chmod } : {}),
    link: f.bools.get('link') ?? false,
    excludes: f.lists.get('exclude') ?? [],
  };
  if (kw === 'COPY') {
    const from = f.strings.get('from');
    if (from !== undefined && from !== '' && lexerFor(ctx.escape).processWord(from).result !== from) {
      syntaxError(
        'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround',
      );
    }
    return {
      ...common,
      kind: 'COPY',
      ...(from !== undefined && from !== '' ? { from } : {}),
      parents: f.bools.get('parents') ?? false,
    };
  }
  const keepGitDir = f.bools.get('keep-git-dir');
  const checksum = f.strings.get('checksum');
  const unpack = f.bools.get('unpack');
  return {
    ...common,
    kind: 'ADD',
    ...(keepGitDir !== undefined ? { keepGitDir } : {}),
    ...(checksum !== undefined ? { checksum } : {}),
    ...(unpack !== undefined ? { unpack } : {}),
  };
}

function parseHealthcheck(args: string, flagWords: string[]): HealthConfig {
  if (args === '') syntaxError('HEALTHCHECK requires at least one argument');
  const m = /\s/u.exec(args);
  const typ = (m === null ? args : args.slice(0, m.index)).toUpperCase();
  const rest = m === null ? '' : args.slice(m.index).replace(/^\s+/u, '');
  if (typ === 'NONE') {
    // Docker does not check flags of HEALTHCHECK NONE.
    if (rest !== '') syntaxError('HEALTHCHECK NONE takes no arguments');
    return { test: ['NONE'], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  }
  const f = parseFlags(flagWords, HEALTH_FLAGS);
  if (typ !== 'CMD') syntaxError(`Unknown type ${JSON.stringify(typ)} in HEALTHCHECK (try CMD)`);
  const cmd = commandLine(rest);
  let test: string[];
  if (cmd.form === 'exec') {
    if (cmd.args.length === 0) syntaxError('Missing command after HEALTHCHECK CMD');
    test = ['CMD', ...cmd.args];
  } else {
    if (cmd.command === '') syntaxError('Missing command after HEALTHCHECK CMD');
    test = ['CMD-SHELL', cmd.command];
  }
  const interval = (name: string): number => {
    const v = f.strings.get(name);
    if (v === undefined || v === '') return 0;
    const d = parseGoDuration(v);
    if (d === 0) return 0;
    if (d < 1e6) syntaxError(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
    return d;
  };
  let retries = 0;
  const r = f.strings.get('retries');
  if (r !== undefined && r !== '') {
    if (!/^[+-]?\d+$/.test(r) || Math.abs(Number(r)) > 2 ** 31 - 1) {
      syntaxError(`strconv.ParseInt: parsing ${JSON.stringify(r)}: invalid syntax`);
    }
    retries = Number(r);
    if (retries < 0) syntaxError(`--retries cannot be negative (${retries})`);
  }
  return {
    test,
    interval: interval('interval'),
    timeout: interval('timeout'),
    startPeriod: interval('start-period'),
    startInterval: interval('start-interval'),
    retries,
  };
}
