import { ShellLexer, emptyEnv } from './shell-lexer.js';

/**
 * Heredocs in RUN, COPY and ADD (and in those wrapped by ONBUILD), with BuildKit's rules:
 *
 * - A heredoc is a word of the instruction line matching `[fd]<<[-]WORD`: an optional file-descriptor number
 *   (`3<<IN`), `-` to strip leading tabs from the body and the terminator line, and a delimiter word that may be
 *   quoted in whole or in part (`<<'EOF'`, `<<"EOF"`, `<<E"O"F`), which turns off variable expansion in the body.
 * - Several heredocs may open on one line; their bodies follow the instruction in the same order, each ending at
 *   a line that is exactly the delimiter (after tab stripping with `<<-`).
 * - Word detection always uses `\` as escape character, whatever the escape directive says.
 */

/** A heredoc opener found on an instruction line. */
export interface HeredocMarker {
  /** The delimiter with quotes removed (`EOF` for `<<'EOF'`). */
  name: string;
  /** The file descriptor before `<<` (`3<<IN` gives 3); 0 when absent. */
  fd: number;
  /** `<<-`: leading tabs are stripped from body lines and from the terminator line. */
  chomp: boolean;
  /** False when any part of the delimiter was quoted: the body is used literally. */
  expand: boolean;
}

/** A heredoc with its body. */
export interface Heredoc extends HeredocMarker {
  /** The body exactly as written: every line with its line ending, tabs not stripped, terminator excluded. */
  content: string;
  /** The body as the instruction uses it: `content` with leading tabs removed when `chomp`. */
  body: string;
}

const HEREDOC_RE = /^(\d*)<<(-?)\s*([^<]*)$/u;

const plainLexer = new ShellLexer({ escape: '\\', skipUnsetEnv: true });
const rawQuoteLexer = new ShellLexer({ escape: '\\', skipUnsetEnv: true, rawQuotes: true });
const lineLexer = new ShellLexer({ escape: '\\', skipUnsetEnv: true, rawQuotes: true, rawEscapes: true });

/** The heredoc opened by `word` (e.g. `<<EOF`, `3<<-"IN"`), or undefined when `word` is not one. */
export function parseHeredocWord(word: string): HeredocMarker | undefined {
  const m = HEREDOC_RE.exec(word);
  if (m === null) return undefined;
  const rest = m[3] as string;
  if (rest === '') return undefined;
  // Lexing the delimiter with and without quote removal tells whether any part of it was quoted.
  const words = plainLexer.processWords(rest, emptyEnv);
  if (words.length !== 1) return undefined;
  const rawWords = rawQuoteLexer.processWords(rest, emptyEnv);
  const name = words[0] as string;
  const raw = rawWords[0] ?? '';
  const expand = countQuotes(name) === countQuotes(raw);
  return { name, fd: m[1] === '' ? 0 : Number.parseInt(m[1] as string, 10), chomp: m[2] === '-', expand };
}

function countQuotes(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "'" || ch === '"') n++;
  return n;
}

/** The heredocs opened on an instruction line, in order. A line the lexer cannot read has none. */
export function heredocsInLine(line: string): HeredocMarker[] {
  let words: string[];
  try {
    words = lineLexer.processWords(line, emptyEnv);
  } catch {
    return [];
  }
  const out: HeredocMarker[] = [];
  for (const w of words) {
    const h = parseHeredocWord(w);
    if (h !== undefined) out.push(h);
  }
  return out;
}

/** Removes leading tabs from every line (the `<<-` form). */
export function chompHeredoc(content: string): string {
  return content.replace(/(^|\n)\t+/gu, '$1');
}

/** Completes a marker with its body. */
export function withBody(marker: HeredocMarker, content: string): Heredoc {
  return { ...marker, content, body: marker.chomp ? chompHeredoc(content) : content };
}
