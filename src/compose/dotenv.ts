/**
 * `.env` files as compose-go's dotenv package reads them (for the project `.env`/`--env-file`, `env_file:` and
 * `include.env_file`):
 *
 * - `K=V`, `K: V`, `export K=V`; blank lines and `#` lines are skipped; a bare `K` takes K from the lookup (and is
 *   left out when the lookup has none); keys are letters, digits, `_ . - [ ]`.
 * - unquoted values run to the end of the line, lose a ` #` comment and trailing spaces, keep backslashes
 *   (`a\tb` stays literal) and a `#` with no space before it (`123#x`); they are interpolated.
 * - single quotes are literal except `\'`; double quotes expand `\n \t \r \a \b \f \v \\ \" \$` and octal
 *   `\0123`, then interpolate; both may span lines; an unterminated quote is an error.
 * - interpolation sees the lookup first (the shell environment), then the variables defined above in the file.
 */
import { substitute, type Lookup } from './interpolate.js';

/** A dotenv syntax error; the message names the line (`line 3: unterminated quoted value "x`). */
export class DotenvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DotenvError';
  }
}

const isSpace = (c: string): boolean =>
  c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\u0085' || c === '\u00a0';
const isUnicodeSpace = (c: string): boolean => /\s/u.test(c);

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  c: '\\c',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
};

/** Expands the escape sequences of a double-quoted value; `\$` becomes `$$` so interpolation keeps a `$`. */
function expandEscapes(s: string): string {
  return s.replace(/\\(?:[abcfnrtv$"\\]|0\d{0,3})/g, (m) => {
    if (m === '\\$') return '$$';
    if (m.startsWith('\\0')) {
      // Go reads `\0123` as the octal escape `\123`; anything shorter or out of range is kept as written
      const oct = m.slice(2);
      if (/^[0-7]{3}$/.test(oct) && parseInt(oct, 8) <= 255) return String.fromCharCode(parseInt(oct, 8));
      return m;
    }
    if (m === '\\c') return m; // `\c` is no Go escape: UnquoteChar fails and the text is kept
    return ESCAPES[m[1]!] ?? m;
  });
}

/**
 * Parses dotenv text. `lookup` answers bare keys and interpolation before the file's own variables.
 * Keys starting with a digit are dropped, as compose-go's ReadWithLookup does.
 * @throws DotenvError
 */
export function parseDotenv(text: string, lookup: Lookup = () => undefined): Map<string, string> {
  const out = new Map<string, string>();
  let src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  const resolve: Lookup = (k) => lookup(k) ?? out.get(k);
  const interpolate = (v: string): string => {
    try {
      return substitute(v, resolve);
    } catch (err) {
      throw new DotenvError(`line ${line}: ${(err as Error).message}`);
    }
  };

  for (;;) {
    // skip blank space and comment lines
    for (;;) {
      let i = 0;
      while (i < src.length && isUnicodeSpace(src[i]!)) {
        if (src[i] === '\n') line++;
        i++;
      }
      src = src.slice(i);
      if (src === '' || src[0] !== '#') break;
      const nl = src.indexOf('\n');
      if (nl < 0) {
        src = '';
        break;
      }
      src = src.slice(nl);
    }
    if (src === '') break;

    // key
    if (/^export\s+/.test(src)) src = src.slice('export'.length).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    let key = '';
    let offset = -1;
    let inherited = false;
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      if (isSpace(c)) continue;
      if (c === '=' || c === ':' || c === '\n') {
        key = src.slice(0, i);
        offset = i + 1;
        inherited = c === '\n';
        break;
      }
      if (c === '_' || c === '.' || c === '-' || c === '[' || c === ']' || /[\p{L}\p{N}]/u.test(c)) continue;
      throw new DotenvError(
        `line ${line}: unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(src.split('\n')[0])}`,
      );
    }
    if (offset < 0) {
      // last line without `=` or newline: a bare key at the end of the file
      key = src;
      offset = src.length;
      inherited = true;
    }
    if (inherited && !key.includes(' ')) line++;
    key = key.replace(/\s+$/u, '');
    let rest = src.slice(offset).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    if (key.includes(' ')) throw new DotenvError(`line ${line}: key cannot contain a space`);
    if (inherited) {
      const v = lookup(key);
      if (v !== undefined) out.set(key, v);
      src = rest;
      continue;
    }

    // value
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      const nl = rest.indexOf('\n');
      let value = nl < 0 ? rest : rest.slice(0, nl);
      rest = nl < 0 ? '' : rest.slice(nl + 1);
      const cut = value.indexOf(' #');
      if (cut >= 0) value = value.slice(0, cut);
      value = value.replace(/\s+$/u, '');
      out.set(key, interpolate(value));
      line++;
      src = rest;
      continue;
    }
    let escaped = false;
    let chars = '';
    let end = -1;
    const startLine = line;
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === '\n') line++;
      if (c !== quote) {
        if (!escaped && c === '\\') {
          escaped = true;
          continue;
        }
        if (escaped) {
          escaped = false;
          chars += '\\';
        }
        chars += c;
        continue;
      }
      if (escaped) {
        escaped = false;
        chars += c;
        continue;
      }
      end = i;
      break;
    }
    if (end < 0) {
      const nl = rest.indexOf('\n');
      throw new DotenvError(`line ${startLine}: unterminated quoted value ${nl < 0 ? rest : rest.slice(0, nl)}`);
    }
    out.set(key, quote === '"' ? interpolate(expandEscapes(chars)) : chars);
    src = rest.slice(end + 1);
  }
  for (const k of [...out.keys()]) if (/^\s*\d/.test(k)) out.delete(k);
  return out;
}
