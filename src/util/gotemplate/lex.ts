/**
 * Lexer for Go's text/template syntax (default delimiters): text, actions with trim markers (`{{- ` and ` -}}`),
 * comments, and the tokens inside actions. Produces the whole token list up front; a lexing error becomes an
 * `error` token that ends the list, so the parser reports it at the right place.
 */

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'identifier'
  | 'field'
  | 'variable'
  | 'string'
  | 'rawString'
  | 'number'
  | 'charConstant'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'char'
  | 'eof'
  | 'error'
  // keywords
  | 'if'
  | 'else'
  | 'end'
  | 'range'
  | 'with'
  | 'define'
  | 'template'
  | 'block'
  | 'break'
  | 'continue';

export interface Token {
  readonly type: TokenType;
  readonly val: string;
  /** Offset of the token in the template text. */
  readonly pos: number;
  /** 1-based line of the token's start. */
  readonly line: number;
}

const KEYWORDS: ReadonlySet<string> = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

const KEYWORD_TYPES: ReadonlySet<TokenType> = new Set([...KEYWORDS, 'dot', 'nil'] as TokenType[]);

/** Go's `item.String()`: how a token is named in "unexpected ..." errors. */
export function tokenString(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`;
  if (t.type === 'text' || t.val.length > 10) {
    const q = goQuoteShort(t.val, 10);
    return t.val.length > 10 ? `${q}...` : q;
  }
  return goQuoteShort(t.val, Infinity);
}

function goQuoteShort(s: string, max: number): string {
  const chars = Array.from(s).slice(0, max).join('');
  return JSON.stringify(chars);
}

const LEFT = '{{';
const RIGHT = '}}';

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isAlphaNumeric(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 0x80) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  return /^[\p{L}\p{Nd}]$/u.test(c);
}

/** Splits template text into tokens. */
export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;

  const emit = (type: TokenType, val = input.slice(start, pos)): void => {
    tokens.push({ type, val, pos: start, line: startLine });
    start = pos;
    startLine = line;
  };
  const advanceTo = (p: number): void => {
    for (let i = pos; i < p; i++) if (input.charCodeAt(i) === 10) line++;
    pos = p;
  };
  const ignore = (): void => {
    start = pos;
    startLine = line;
  };
  const fail = (msg: string): Token[] => {
    tokens.push({ type: 'error', val: msg, pos: start, line: startLine });
    return tokens;
  };
  /** At a right delimiter, possibly trim-marked (` -}}`). */
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (isSpace(input[pos]) && input[pos + 1] === '-' && input.startsWith(RIGHT, pos + 2)) return { delim: true, trim: true };
    if (input.startsWith(RIGHT, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const skipLeadingSpace = (): void => {
    let p = pos;
    while (isSpace(input[p])) p++;
    advanceTo(p);
    ignore();
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    switch (c) {
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
      case '=':
        return true;
      default:
        return c === RIGHT[0];
    }
  };

  // Text, then actions, alternately.
  for (;;) {
    // lexText
    const next = input.indexOf(LEFT, pos);
    if (next < 0) {
      advanceTo(input.length);
      if (pos > start) emit('text');
      emit('eof', '');
      return tokens;
    }
    const trimLeft = input[next + 2] === '-' && isSpace(input[next + 3]);
    advanceTo(next);
    if (pos > start) {
      let text = input.slice(start, pos);
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
      if (text.length > 0) tokens.push({ type: 'text', val: text, pos: start, line: startLine });
    }
    ignore();
    // lexLeftDelim
    const afterDelim = pos + LEFT.length + (trimLeft ? 2 : 0);
    if (input.startsWith('/*', afterDelim)) {
      // lexComment
      advanceTo(afterDelim + 2);
      const end = input.indexOf('*/', pos);
      if (end < 0) return fail('unclosed comment');
      advanceTo(end + 2);
      const rd = atRightDelim();
      if (!rd.delim) return fail('comment ends before closing delimiter');
      advanceTo(pos + (rd.trim ? 2 : 0) + RIGHT.length);
      ignore();
      if (rd.trim) skipLeadingSpace();
      continue;
    }
    advanceTo(pos + LEFT.length);
    emit('leftDelim');
    if (trimLeft) {
      advanceTo(pos + 2);
      ignore();
    }
    parenDepth = 0;
    // lexInsideAction
    for (;;) {
      const rd = atRightDelim();
      if (rd.delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        if (rd.trim) {
          advanceTo(pos + 2);
          ignore();
        }
        advanceTo(pos + RIGHT.length);
        emit('rightDelim');
        if (rd.trim) skipLeadingSpace();
        break;
      }
      const c = input[pos];
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        // A run of spaces, stopping before the space of a trim-marked right delimiter.
        let p = pos;
        while (isSpace(input[p])) p++;
        if (p > pos + 0 && input[p - 1] !== undefined && input[p] === '-' && input.startsWith(RIGHT, p + 1)) p--;
        advanceTo(p);
        if (pos > start) emit('space');
        continue;
      }
      switch (c) {
        case '=':
          advanceTo(pos + 1);
          emit('assign');
          continue;
        case ':':
          if (input[pos + 1] !== '=') {
            advanceTo(pos + 1);
            return fail('expected :=');
          }
          advanceTo(pos + 2);
          emit('declare');
          continue;
        case '|':
          advanceTo(pos + 1);
          emit('pipe');
          continue;
        case '"': {
          let p = pos + 1;
          for (;;) {
            const ch = input[p];
            if (ch === '\\') {
              const esc = input[p + 1];
              if (esc === undefined || esc === '\n') return fail('unterminated quoted string');
              p += 2;
              continue;
            }
            if (ch === undefined || ch === '\n') return fail('unterminated quoted string');
            p++;
            if (ch === '"') break;
          }
          advanceTo(p);
          emit('string');
          continue;
        }
        case '`': {
          const end = input.indexOf('`', pos + 1);
          if (end < 0) return fail('unterminated raw quoted string');
          advanceTo(end + 1);
          emit('rawString');
          continue;
        }
        case "'": {
          let p = pos + 1;
          for (;;) {
            const ch = input[p];
            if (ch === '\\') {
              const esc = input[p + 1];
              if (esc === undefined || esc === '\n') return fail('unterminated character constant');
              p += 2;
              continue;
            }
            if (ch === undefined || ch === '\n') return fail('unterminated character constant');
            p++;
            if (ch === "'") break;
          }
          advanceTo(p);
          emit('charConstant');
          continue;
        }
        case '$':
        case '.': {
          advanceTo(pos + 1);
          if (c === '.' && input[pos] !== undefined && input[pos]! >= '0' && input[pos]! <= '9') {
            advanceTo(pos - 1);
            const err = lexNumber();
            if (err !== undefined) return fail(err);
            continue;
          }
          if (atTerminator()) {
            emit(c === '$' ? 'variable' : 'dot');
            continue;
          }
          while (isAlphaNumeric(input[pos])) advanceTo(pos + 1);
          if (!atTerminator()) return fail(`bad character ${describeRune(input, pos)}`);
          emit(c === '$' ? 'variable' : 'field');
          continue;
        }
        case '(':
          advanceTo(pos + 1);
          emit('leftParen');
          parenDepth++;
          continue;
        case ')':
          advanceTo(pos + 1);
          emit('rightParen');
          parenDepth--;
          if (parenDepth < 0) return fail(`unexpected right paren`);
          continue;
        default:
          break;
      }
      if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        const err = lexNumber();
        if (err !== undefined) return fail(err);
        continue;
      }
      if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[pos])) advanceTo(pos + 1);
        if (!atTerminator()) return fail(`bad character ${describeRune(input, pos)}`);
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) emit(word as TokenType);
        else if (word === 'true' || word === 'false') emit('bool');
        else if (word === 'nil') emit('nil');
        else emit('identifier');
        continue;
      }
      const code = c.charCodeAt(0);
      if (code < 0x7f && code >= 0x20) {
        advanceTo(pos + 1);
        emit('char');
        continue;
      }
      return fail(`unrecognized character in action: ${describeRune(input, pos)}`);
    }
  }

  function lexNumber(): string | undefined {
    // Go's scanNumber, loosely: sign, base prefix, digits with underscores, fraction, exponent, imaginary.
    const m = /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[oO][0-7_]*|0[bB][01_]*|[0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)i?/.exec(input.slice(pos));
    let p = pos + (m?.[0].length ?? 0);
    if (isAlphaNumeric(input[p])) {
      p++;
      advanceTo(p);
      return `bad number syntax: ${JSON.stringify(input.slice(start, p))}`;
    }
    if (input[p] === '+' || input[p] === '-') {
      advanceTo(p + 1);
      return 'complex numbers are not supported';
    }
    advanceTo(p);
    emit('number');
    return undefined;
  }
}

/** Go's `%#U` of the rune at `pos`: `U+0021 '!'`. */
export function describeRune(input: string, pos: number): string {
  const cp = input.codePointAt(pos) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return cp >= 0x20 && cp !== 0x7f ? `U+${hex} '${String.fromCodePoint(cp)}'` : `U+${hex}`;
}
