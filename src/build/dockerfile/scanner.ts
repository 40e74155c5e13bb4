import { DockerfileError, locate } from './errors.js';
import { DirectiveScanner, parseEscapeDirective, type Directive } from './directives.js';
import { extractFlags } from './flags.js';
import { heredocsInLine, withBody, type Heredoc } from './heredoc.js';
import { parseJsonArray } from './json-form.js';

/**
 * The line level of a Dockerfile: physical lines -> logical instructions, with BuildKit's rules.
 *
 * - A UTF-8 BOM on the first line is dropped; lines end at `\n` (a `\r` before it is dropped; a lone `\r` does
 *   not end a line).
 * - Parser directives are read from the top (see directives.ts); `# escape=` changes the continuation character.
 * - A line whose first non-blank character is `#` is a comment, also inside a continued instruction (where it is
 *   skipped); comments never continue. Blank lines inside a continuation are skipped (with a warning, as Docker).
 * - The escape character at the end of a line (optionally followed by blanks, and not itself escaped) joins the
 *   next line; the joined text keeps the next line's leading whitespace.
 * - After an instruction that may carry heredocs (RUN/COPY/ADD in shell form, also under ONBUILD) and whose line
 *   contains `<<`, the bodies of its heredocs are read from the following lines.
 */

/** One instruction as found on its logical line, before any instruction-specific parsing. */
export interface ScannedInstruction {
  /** The keyword as written (`run`, `RUN`, ...). */
  keyword: string;
  /** Leading `--flag` words, unquoted (see flags.ts). */
  flags: string[];
  /** The text after the keyword and flags, trimmed. */
  args: string;
  /** The logical line (continuations joined, comment lines dropped), trimmed. */
  original: string;
  /** First physical line, 1-based. */
  startLine: number;
  /** Last physical line, 1-based, including heredoc bodies and terminators. */
  endLine: number;
  /** Heredocs opened on the line, with their bodies, in order. */
  heredocs: Heredoc[];
}

export interface ScanWarning {
  line: number;
  message: string;
}

export interface ScanResult {
  instructions: ScannedInstruction[];
  directives: Directive[];
  escape: '\\' | '`';
  warnings: ScanWarning[];
}

const KEYWORD_SPLIT = /[\t\v\f\r ]+/u;

function physicalLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      if (start < text.length) out.push(text.slice(start));
      return out;
    }
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
}

const trimNewline = (s: string): string => s.replace(/[\r\n]+$/u, '');
const trimLeft = (s: string): string => s.replace(/^\s+/u, '');
const isComment = (s: string): boolean => trimLeft(s).startsWith('#');

function continuationRegExp(escape: string): RegExp {
  const e = escape === '\\' ? '\\\\' : '`';
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`, 'u');
}

/** Splits a logical line into keyword, flags and argument text. */
export function splitInstruction(line: string, escape: string): { keyword: string; flags: string[]; args: string } {
  const trimmed = line.trim();
  const m = KEYWORD_SPLIT.exec(trimmed);
  if (m === null) return { keyword: trimmed, flags: [], args: '' };
  const keyword = trimmed.slice(0, m.index);
  const { flags, rest } = extractFlags(trimmed.slice(m.index + m[0].length), escape);
  return { keyword, flags, args: rest };
}

const HEREDOC_KEYWORDS = new Set(['run', 'copy', 'add']);

/** Whether this instruction line may open heredocs (RUN/COPY/ADD in shell form, directly or under ONBUILD). */
function canContainHeredoc(keyword: string, args: string, escape: string): boolean {
  let kw = keyword.toLowerCase();
  let rest = args;
  if (kw === 'onbuild') {
    const sub = splitInstruction(args, escape);
    kw = sub.keyword.toLowerCase();
    rest = sub.args;
  }
  if (!HEREDOC_KEYWORDS.has(kw)) return false;
  try {
    return parseJsonArray(rest) === undefined;
  } catch {
    return false; // a bad JSON form is reported by the instruction parser
  }
}

/**
 * Scans `text` into logical instructions. Throws {@link DockerfileError} (invalid-argument, with the line) for a
 * bad directive, an unterminated heredoc, or a file without instructions.
 */
export function scanDockerfile(text: string, file = 'Dockerfile'): ScanResult {
  const lines = physicalLines(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const directives = new DirectiveScanner();
  let escape: '\\' | '`' = '\\';
  let continuation = continuationRegExp(escape);
  const instructions: ScannedInstruction[] = [];
  const warnings: ScanWarning[] = [];
  let i = 0; // index of the next physical line; also the number of lines consumed

  const processLine = (raw: string, stripLeft: boolean): string => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeft(token);
    const lineNo = i;
    let d: Directive | undefined;
    try {
      d = directives.feed(token, lineNo);
      if (d?.name === 'escape') {
        escape = parseEscapeDirective(d.value);
        continuation = continuationRegExp(escape);
      }
    } catch (err) {
      throw locate(err, { file, startLine: lineNo, endLine: lineNo });
    }
    return isComment(token) ? '' : token;
  };

  const trimContinuation = (s: string): { text: string; end: boolean } => {
    if (continuation.test(s)) return { text: s.replace(continuation, '$1'), end: false };
    return { text: s, end: true };
  };

  while (i < lines.length) {
    const raw = lines[i] as string;
    i++;
    const first = processLine(raw, true);
    const startLine = i;
    let { text, end } = trimContinuation(first);
    if (end && text.length === 0) continue;
    let buf = text;
    let emptyContinuation = false;
    while (!end && i < lines.length) {
      const next = lines[i] as string;
      i++;
      const token = processLine(next, false);
      if (isComment(next)) continue;
      if (trimLeft(token).length === 0) {
        emptyContinuation = true;
        continue;
      }
      ({ text, end } = trimContinuation(token));
      buf += text;
    }
    if (emptyContinuation) {
      warnings.push({ line: i, message: `Empty continuation line found in: ${buf.trim()}` });
    }

    const { keyword, flags, args } = splitInstruction(buf, escape);
    const instr: ScannedInstruction = {
      keyword,
      flags,
      args,
      original: buf.trim(),
      startLine,
      endLine: i,
      heredocs: [],
    };

    if (buf.includes('<<') && canContainHeredoc(keyword, args, escape)) {
      for (const marker of heredocsInLine(buf)) {
        let content = '';
        let terminated = false;
        while (i < lines.length) {
          const bodyLine = lines[i] as string;
          i++;
          let candidate = trimNewline(bodyLine);
          if (marker.chomp) candidate = candidate.replace(/^\t+/u, '');
          if (candidate === marker.name) {
            terminated = true;
            break;
          }
          content += bodyLine;
        }
        if (!terminated) throw new DockerfileError(file, startLine, i, 'unterminated heredoc');
        instr.heredocs.push(withBody(marker, content));
      }
      instr.endLine = i;
    }
    instructions.push(instr);
  }

  if (instructions.length === 0) throw new DockerfileError(file, 0, 0, 'file with no instructions');
  return { instructions, directives: directives.directives, escape, warnings };
}
