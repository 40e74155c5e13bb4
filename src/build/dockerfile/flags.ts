import { syntaxError, withSuggestion } from './errors.js';

/**
 * Instruction flags (`COPY --chown=1:1 --link ...`), with BuildKit's rules:
 *
 * - Flags are the leading words that start with `--`; the first other word (or a bare `--`) ends them.
 * - A flag word is unquoted as it is read: quotes group (and are removed), the escape character makes the next
 *   character literal (also inside single quotes, unlike the shell). So `--mount="type=bind,src=a b"` gives the
 *   value `type=bind,src=a b`. Variables are not expanded here: the instruction decides (see plan/stage-env).
 * - Each instruction declares its flags; anything else is `unknown flag: --x` (with a suggestion), a string flag
 *   needs `=value`, a boolean flag takes nothing, `=true` or `=false`, and only list flags may repeat.
 */

/** Splits the instruction's argument text into its leading flag words and the rest (trimmed). */
export function extractFlags(text: string, escape: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= text.length; pos++) {
    const atEnd = pos === text.length;
    let ch = atEnd ? '' : (text[pos] as string);
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      if (ch !== '-' || text[pos + 1] !== '-') return { flags, rest: text.slice(pos).trim() };
      phase = 'word';
    }
    if (atEnd) {
      if (word !== '--' && (blankOK || word.length > 0)) flags.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return { flags, rest: text.slice(pos).trim() };
        if (blankOK || word.length > 0) flags.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === escape) {
        if (pos + 1 === text.length) continue; // a trailing escape character is dropped
        pos++;
        ch = text[pos] as string;
      }
      word += ch;
      continue;
    }
    // phase === 'quote'
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === escape) {
      if (pos + 1 === text.length) {
        phase = 'word';
        continue;
      }
      pos++;
      ch = text[pos] as string;
    }
    word += ch;
  }
  return { flags, rest: '' };
}

function isSpace(ch: string): boolean {
  return /\s/.test(ch);
}

/** How a declared flag takes values. */
export type FlagKind = 'bool' | 'string' | 'strings';

/** The flags an instruction accepts: name (without `--`) to kind. */
export type FlagSpecs = Readonly<Record<string, FlagKind>>;

/** Parsed flag values: only flags the user gave appear. */
export interface ParsedFlags {
  bools: Map<string, boolean>;
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  /** Flag names in the order first used. */
  used: string[];
}

/**
 * Checks and parses flag words against `specs`. Throws location-free invalid-argument errors with Docker's
 * wording (`unknown flag: --chwon (did you mean --chown?)`, `missing a value on flag: --from`, ...).
 */
export function parseFlags(words: readonly string[], specs: FlagSpecs): ParsedFlags {
  const out: ParsedFlags = { bools: new Map(), strings: new Map(), lists: new Map(), used: [] };
  for (const w of words) {
    if (w === '--') break;
    if (!w.startsWith('--')) syntaxError(`arg should start with -- : ${w}`);
    const eq = w.indexOf('=');
    const flagName = eq < 0 ? w : w.slice(0, eq);
    const hasValue = eq >= 0;
    const value = hasValue ? w.slice(eq + 1) : '';
    const name = flagName.slice(2);
    const kind = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (kind === undefined) {
      syntaxError(
        withSuggestion(
          `unknown flag: ${flagName}`,
          flagName,
          Object.keys(specs).map((n) => `--${n}`),
        ),
      );
    }
    if (out.used.includes(name) && kind !== 'strings') syntaxError(`duplicate flag specified: ${flagName}`);
    if (!out.used.includes(name)) out.used.push(name);
    switch (kind) {
      case 'bool': {
        if (hasValue && value === '') syntaxError(`missing a value on flag: ${flagName}`);
        const v = value.toLowerCase();
        if (v === 'true' || v === '') out.bools.set(name, true);
        else if (v === 'false') out.bools.set(name, false);
        else syntaxError(`expecting boolean value for flag ${flagName}, not: ${value}`);
        break;
      }
      case 'string':
        if (!hasValue) syntaxError(`missing a value on flag: ${flagName}`);
        out.strings.set(name, value);
        break;
      case 'strings': {
        if (!hasValue) syntaxError(`missing a value on flag: ${flagName}`);
        const list = out.lists.get(name) ?? [];
        list.push(value);
        out.lists.set(name, list);
        break;
      }
    }
  }
  return out;
}
