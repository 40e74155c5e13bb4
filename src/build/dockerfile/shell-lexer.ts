import { DockerfileSyntaxError } from './errors.js';

/**
 * The builder's shell-word lexer: quote removal, escapes and variable substitution, with Docker's (BuildKit's)
 * rules, which are a subset of POSIX sh:
 *
 * - `'...'` keeps everything literally (no escapes inside); `"..."` groups and expands `$`, and the escape
 *   character only escapes `"`, `$` and itself there; outside quotes the escape character makes the next
 *   character literal and is dropped (a trailing one is dropped too).
 * - `$name` (letters, digits, `_`; a leading digit reads digits only: positional parameters, never set; the
 *   special parameters `@ * # ? - $ ! 0` read one character), `${name}`, and the operators `${v:-w}` `${v-w}`
 *   `${v:+w}` `${v+w}` `${v:?msg}` `${v?msg}` (error `v: msg`), `${v#p}` `${v##p}` `${v%p}` `${v%%p}` (glob
 *   trims), `${v/p/r}` `${v//p/r}` (glob replace). Words inside operators may themselves contain quotes and
 *   variables (`${a:-${b:-c}}`). A `$` not followed by a name or `{` stays a literal `$`.
 * - The escape character is `\` or, with the `# escape=` directive, `` ` ``.
 *
 * {@link ShellLexer.processWord} gives one string (Docker's ProcessWord: COPY sources, WORKDIR, ENV values...);
 * {@link ShellLexer.processWords} additionally splits on unquoted whitespace, where whitespace produced by a
 * variable splits too (EXPOSE, heredoc detection). Errors are `invalid-argument` DockerfileSyntaxErrors
 * without a location, worded like Docker's (`failed to process "${v:?msg}": v: msg`).
 */

/** Variable lookup: `undefined` means unset (which differs from empty for `${v-w}`, `${v+w}` and `${v?}`). */
export interface EnvLookup {
  get(name: string): string | undefined;
}

export interface ShellLexerOptions {
  /** The escape character (`\` unless the `# escape=` directive says `` ` ``). */
  escape?: '\\' | '`';
  /** Keep quote characters in the output (heredoc delimiter detection). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output (heredoc detection, glob patterns). */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written instead of substituting the empty string. */
  skipUnsetEnv?: boolean;
  /** Treat quotes as ordinary characters (COPY heredoc bodies). */
  skipProcessQuotes?: boolean;
}

/** What {@link ShellLexer.processWord} found besides the result. */
export interface ProcessWordResult {
  result: string;
  /** Names looked up and found. */
  matched: Set<string>;
  /** Names looked up and not set. */
  unmatched: Set<string>;
}

const EOF = '';

// Go's unicode.IsSpace.
const SPACE = /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]$/u;
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

function isSpace(ch: string): boolean {
  return ch !== EOF && SPACE.test(ch);
}

/** An empty environment. */
export const emptyEnv: EnvLookup = { get: () => undefined };

/** A lookup over a plain object or map (own keys only). */
export function envFrom(values: Record<string, string> | ReadonlyMap<string, string>): EnvLookup {
  if (values instanceof Map) return { get: (k) => values.get(k) };
  const rec = values as Record<string, string>;
  return { get: (k) => (Object.hasOwn(rec, k) ? rec[k] : undefined) };
}

/** A lookup over `K=V` strings (the last entry of a key wins; an entry without `=` is an empty value). */
export function envFromList(list: readonly string[]): EnvLookup {
  const m = new Map<string, string>();
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i < 0) m.set(kv, '');
    else m.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return { get: (k) => m.get(k) };
}

class Words {
  private buf = '';
  private inWord = false;
  private readonly words: string[] = [];

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.buf.length !== 0) {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.buf += ch;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }

  get(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

/** One pass over one input string. */
class Scan {
  private pos = 0;
  rawEscapes: boolean;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly src: string;
  private readonly env: EnvLookup;
  private readonly opts: Required<ShellLexerOptions>;

  constructor(src: string, env: EnvLookup, opts: Required<ShellLexerOptions>) {
    this.src = src;
    this.env = env;
    this.opts = opts;
    this.rawEscapes = opts.rawEscapes;
  }

  peek(): string {
    if (this.pos >= this.src.length) return EOF;
    const cp = this.src.codePointAt(this.pos) as number;
    return String.fromCodePoint(cp);
  }

  next(): string {
    const ch = this.peek();
    this.pos += ch.length;
    return ch;
  }

  private getEnv(name: string): string | undefined {
    const v = this.env.get(name);
    if (v === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return v;
  }

  /** Reads until `stop` (consumed) or the end of input (stop === EOF). */
  processStopOn(stop: string, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      const words = new Words();
      const escape = this.opts.escape;
      for (;;) {
        const ch = this.peek();
        if (ch === EOF) break;
        if (stop !== EOF && ch === stop) {
          this.next();
          return { result, words: words.get() };
        }
        if (ch === '$') {
          const tmp = this.processDollar();
          result += tmp;
          words.addString(tmp);
        } else if (ch === '<') {
          const tmp = this.processPossibleHeredoc();
          result += tmp;
          words.addRawString(tmp);
        } else if (!this.opts.skipProcessQuotes && ch === "'") {
          const tmp = this.processSingleQuote();
          result += tmp;
          words.addRawString(tmp);
        } else if (!this.opts.skipProcessQuotes && ch === '"') {
          const tmp = this.processDoubleQuote();
          result += tmp;
          words.addRawString(tmp);
        } else {
          let c = this.next();
          if (c === escape) {
            if (this.rawEscapes) {
              words.addRawChar(c);
              result += c;
            }
            c = this.next();
            if (c === EOF) break; // a trailing escape character is dropped
            words.addRawChar(c);
          } else {
            words.addChar(c);
          }
          result += c;
        }
      }
      if (stop !== EOF) {
        throw new DockerfileSyntaxError(`unexpected end of statement while looking for matching ${stop}`);
      }
      return { result, words: words.get() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    let result = '';
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new DockerfileSyntaxError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = '';
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    const escape = this.opts.escape;
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new DockerfileSyntaxError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        const ch = this.next();
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      if (p === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === escape) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue; // reported as an unterminated quote by the next iteration
        if (after === '"' || after === '$' || after === escape) ch = this.next();
      }
      result += ch;
    }
  }

  private processName(): string {
    let name = '';
    for (;;) {
      const ch = this.peek();
      if (ch === EOF) break;
      if (name.length === 0 && DIGIT.test(ch)) {
        // Positional parameters: read the digits only.
        while (this.peek() !== EOF && DIGIT.test(this.peek())) name += this.next();
        return name;
      }
      if (name.length === 0 && '@*#?-$!0'.includes(ch)) {
        return this.next(); // special parameters are one character
      }
      if (!LETTER.test(ch) && !DIGIT.test(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }

  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    let space = '';
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === '\r') space += this.next();
    return '<<' + space;
  }

  private processDollar(): string {
    this.next(); // $
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.next(); // {
    const first = this.peek();
    if (first === EOF) throw new DockerfileSyntaxError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new DockerfileSyntaxError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    if (ch === EOF) throw new DockerfileSyntaxError("syntax error: missing '}'");
    let chs = ch;
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === '/') return this.processReplace(name);
    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      chs += ch;
    }
    if (!nullIsUnset && !'+-?#%'.includes(ch)) {
      throw new DockerfileSyntaxError(`unsupported modifier (${chs}) in substitution`);
    }
    const isTrim = ch === '#' || ch === '%';
    if (nullIsUnset && isTrim) throw new DockerfileSyntaxError(`unsupported modifier (${chs}) in substitution`);
    let word: string;
    try {
      word = this.processStopOn('}', isTrim).result;
    } catch (err) {
      if (this.peek() === EOF) throw new DockerfileSyntaxError("syntax error: missing '}'", { cause: err });
      throw err;
    }
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}${chs}${word}}`;
    const unsetOrNull = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case '-':
        return unsetOrNull ? word : (value as string);
      case '+':
        return unsetOrNull ? '' : word;
      case '?':
        if (value === undefined) {
          throw new DockerfileSyntaxError(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        }
        if (nullIsUnset && value === '') {
          throw new DockerfileSyntaxError(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        }
        return value;
      case '#':
      case '%': {
        let pattern = word;
        let greedy = false;
        if (pattern.startsWith(ch)) {
          greedy = true;
          pattern = pattern.slice(1);
        }
        return ch === '%' ? trimSuffix(pattern, value ?? '', greedy) : trimPrefix(pattern, value ?? '', greedy);
      }
      default:
        throw new DockerfileSyntaxError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  private processReplace(name: string): string {
    const all = this.peek() === '/';
    if (all) this.next();
    let pattern: string;
    try {
      pattern = this.processStopOn('/', true).result;
    } catch (err) {
      if (this.peek() === EOF) throw new DockerfileSyntaxError("syntax error: missing '/' in ${}", { cause: err });
      throw err;
    }
    let replacement: string;
    try {
      replacement = this.processStopOn('}', true).result;
    } catch (err) {
      if (this.peek() === EOF) throw new DockerfileSyntaxError("syntax error: missing '}'", { cause: err });
      throw err;
    }
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    const re = shellPatternToRegExp(pattern, true, false, all);
    // A function replacer keeps `$&`-style sequences in the replacement literal.
    return (value ?? '').replace(re, () => replacement);
  }
}

/**
 * Converts a `${v#pattern}`-style glob (`*`, `?`, `\` escapes; no bracket expressions) to a RegExp. `*` is
 * greedy or lazy as asked; `anchored` pins the match to the start.
 */
export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  let out = anchored ? '^' : '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i] as string;
    switch (tok) {
      case '*':
        out += greedy ? '.*' : '.*?';
        continue;
      case '?':
        out += '.';
        continue;
      case '\\': {
        const nx = chars[i + 1];
        // `}` and `/` are escaped only to get them past the ${...} parser; the escape is not part of the pattern.
        if (nx === '}' || nx === '/') continue;
        if (nx !== '*' && nx !== '?' && nx !== '\\') {
          throw new DockerfileSyntaxError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${nx ?? ''}'`);
        }
        out += '\\' + nx;
        i++;
        continue;
      }
      case '[':
      case ']':
      case '{':
      case '}':
      case '.':
      case '+':
      case '(':
      case ')':
      case '|':
      case '^':
      case '$':
      case '/':
        out += '\\' + tok;
        continue;
      default:
        out += tok;
    }
  }
  return new RegExp(out, global ? 'gu' : 'u');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const re = shellPatternToRegExp(pattern, greedy, true);
  const m = re.exec(value);
  return m === null ? value : value.slice(m.index + m[0].length);
}

/** Reverses a pattern keeping `\x` escapes in front of the character they escape. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array<string>(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = chars[i] as string;
    const o = last - i;
    if (tok === '\\' && i !== last) {
      out[o - 1] = tok;
      out[o] = chars[i + 1] as string;
      i += 2;
    } else {
      out[o] = tok;
      i++;
    }
  }
  return out.join('');
}

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  // A leftmost search on reversed strings finds the shortest/longest rightmost match.
  const reversed = trimPrefix(reversePattern(pattern), Array.from(value).reverse().join(''), greedy);
  return Array.from(reversed).reverse().join('');
}

/** Go's %q for the common cases: a double-quoted string with `"` and `\` escaped. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** The lexer, configured once (escape character, raw modes) and used for many words. */
export class ShellLexer {
  private readonly opts: Required<ShellLexerOptions>;

  constructor(options: ShellLexerOptions = {}) {
    this.opts = {
      escape: options.escape ?? '\\',
      rawQuotes: options.rawQuotes ?? false,
      rawEscapes: options.rawEscapes ?? false,
      skipUnsetEnv: options.skipUnsetEnv ?? false,
      skipProcessQuotes: options.skipProcessQuotes ?? false,
    };
  }

  get escape(): '\\' | '`' {
    return this.opts.escape;
  }

  /** Quote removal and substitution of `word` as one string (inner whitespace kept). */
  processWord(word: string, env: EnvLookup = emptyEnv): ProcessWordResult {
    const scan = new Scan(word, env, this.opts);
    try {
      const { result } = scan.processStopOn(EOF, this.opts.rawEscapes);
      return { result, matched: scan.matched, unmatched: scan.unmatched };
    } catch (err) {
      throw wrapLexError(err, word);
    }
  }

  /** Like {@link processWord}, then split into words on unquoted whitespace (including whitespace from values). */
  processWords(word: string, env: EnvLookup = emptyEnv): string[] {
    const scan = new Scan(word, env, this.opts);
    try {
      return scan.processStopOn(EOF, this.opts.rawEscapes).words;
    } catch (err) {
      throw wrapLexError(err, word);
    }
  }
}

function wrapLexError(err: unknown, word: string): unknown {
  if (!(err instanceof DockerfileSyntaxError)) return err;
  return new DockerfileSyntaxError(`failed to process ${quote(word)}: ${err.message}`, { cause: err });
}

const defaultLexers = new Map<string, ShellLexer>();

/** A cached default lexer for `escape` (no raw modes). */
export function lexerFor(escape: '\\' | '`' = '\\'): ShellLexer {
  let lx = defaultLexers.get(escape);
  if (lx === undefined) {
    lx = new ShellLexer({ escape });
    defaultLexers.set(escape, lx);
  }
  return lx;
}

/** Docker's single-word expansion of `word` with `env` (quotes removed, variables substituted). */
export function expandWord(word: string, env: EnvLookup, escape: '\\' | '`' = '\\'): string {
  return lexerFor(escape).processWord(word, env).result;
}

/** Docker's word-splitting expansion of `word` with `env` (EXPOSE). */
export function expandWords(word: string, env: EnvLookup, escape: '\\' | '`' = '\\'): string[] {
  return lexerFor(escape).processWords(word, env);
}
