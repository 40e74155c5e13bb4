/**
 * Splits a command string into words the way compose-go does for `command`, `entrypoint` and hooks
 * (mattn/go-shellwords with environment and backtick expansion off): whitespace separates words, single quotes
 * are literal, double quotes group, a backslash outside single quotes takes the next character literally, and
 * backticks or `$(...)` keep their spaces. No shell runs. go-shellwords stops at an unquoted `;`, `&`, `|`, `<` or
 * `>` and drops the rest: {@link splitShellWords} reports where, so the loader can warn.
 */

export interface ShellWords {
  words: string[];
  /** Index of the unquoted `;`, `&`, `|`, `<` or `>` where parsing stopped, or -1. */
  stoppedAt: number;
}

/**
 * @throws Error `invalid command line string` for an unterminated quote or a trailing backslash.
 */
export function splitShellWords(line: string): ShellWords {
  const words: string[] = [];
  let buf = '';
  let got = false;
  let escaped = false;
  let single = false;
  let double = false;
  let backQuote = false;
  let dollarQuote = false;
  let stoppedAt = -1;
  const chars = [...line];
  let offset = 0;
  for (let i = 0; i < chars.length; offset += chars[i]!.length, i++) {
    const r = chars[i]!;
    if (escaped) {
      buf += r;
      escaped = false;
      got = true;
      continue;
    }
    if (r === '\\') {
      if (single) buf += r;
      else escaped = true;
      continue;
    }
    if (r === ' ' || r === '\t' || r === '\r' || r === '\n') {
      if (single || double || backQuote || dollarQuote) buf += r;
      else if (got) {
        words.push(buf);
        buf = '';
        got = false;
      }
      continue;
    }
    if (r === '`') {
      if (!single && !double && !dollarQuote) backQuote = !backQuote;
    } else if (r === ')') {
      if (!single && !double && !backQuote && dollarQuote) dollarQuote = false;
    } else if (r === '(') {
      if (!single && !double && !backQuote && !dollarQuote && buf.endsWith('$')) dollarQuote = true;
    } else if (r === '"') {
      if (!single && !dollarQuote) {
        double = !double;
        if (!double) got = true;
        continue;
      }
    } else if (r === "'") {
      if (!double && !dollarQuote) {
        single = !single;
        if (!single) got = true;
        continue;
      }
    } else if (r === ';' || r === '&' || r === '|' || r === '<' || r === '>') {
      if (!(single || double || backQuote || dollarQuote)) {
        stoppedAt = offset;
        break;
      }
    }
    got = true;
    buf += r;
  }
  if (got) words.push(buf);
  if (escaped || single || double || backQuote || dollarQuote) throw new Error('invalid command line string');
  return { words, stoppedAt };
}
