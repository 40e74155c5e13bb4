/**
 * Elastic tabstops as Go's text/tabwriter computes them, in the variant docker/cli uses for every table (its
 * fork measures cells with East Asian widths). Cells end at a tab; tab-terminated cells in consecutive lines form
 * a column, padded to the widest cell plus `padding`, at least `minWidth`. Text after a line's last tab is not
 * part of a column and is not padded. A line without a tab ends the block: the lines after it are aligned anew.
 *
 * Docker's tables: `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)` (docker/cli formatter.Context.postFormat), which
 * is {@link DOCKER_TABLE}.
 */

export interface TabWriterOptions {
  /** Minimal cell width including padding. */
  readonly minWidth: number;
  /** Width of a tab character when padding with tabs. */
  readonly tabWidth: number;
  /** Added to a cell's width when computing its column's width. */
  readonly padding: number;
  /** The padding character: `' '`, or `'\t'` to pad with tabs (then `tabWidth` matters). */
  readonly padChar: string;
  readonly alignRight?: boolean;
  /** Columns whose cells are all empty and soft-tab (`\v`) terminated get no width. */
  readonly discardEmptyColumns?: boolean;
  /** Pad leading empty cells with tabs regardless of `padChar`. */
  readonly tabIndent?: boolean;
  /** Print `|` between columns. */
  readonly debug?: boolean;
}

/** docker/cli's table layout: minwidth 10, tabwidth 1, padding 3, padded with spaces. */
export const DOCKER_TABLE: TabWriterOptions = { minWidth: 10, tabWidth: 1, padding: 3, padChar: ' ' };

interface Cell {
  text: string;
  width: number;
  /** Terminated by a hard tab (`\t`) rather than a soft one (`\v`) or a line end. */
  htab: boolean;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x2fffd) ||
    (cp >= 0x30000 && cp <= 0x3fffd)
  );
}

const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200b-\u200f\ufeff]/u;

/** Columns a string takes in a terminal: wide East Asian characters count 2, combining marks and controls 0. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    if (cp < 0x300) {
      w++;
      continue;
    }
    if (ZERO_WIDTH.test(ch)) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

/**
 * A tabwriter that collects text with {@link write} and returns the aligned result from {@link flush}. Lines are
 * formatted (and become part of the flushed text) as soon as a block ends, as Go's does.
 */
export class TabWriter {
  private readonly opts: TabWriterOptions;
  private out: string[] = [];
  private lines: Cell[][] = [[]];
  private cellText = '';
  private widths: number[] = [];

  constructor(opts: TabWriterOptions = DOCKER_TABLE) {
    if (opts.minWidth < 0 || opts.tabWidth < 0 || opts.padding < 0) throw new RangeError('negative minwidth, tabwidth, or padding');
    this.opts = opts.padChar === '\t' ? { ...opts, alignRight: false } : opts;
  }

  write(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== '\t' && ch !== '\v' && ch !== '\n' && ch !== '\f') continue;
      this.cellText += text.slice(start, i);
      start = i + 1;
      const ncells = this.terminateCell(ch === '\t');
      if (ch === '\n' || ch === '\f') {
        this.lines.push([]);
        if (ch === '\f' || ncells === 1) {
          // A line with a single cell ends the block: nothing below it can change the widths above.
          this.format();
          if (ch === '\f' && this.opts.debug === true) this.out.push('---\n');
        }
      }
    }
    this.cellText += text.slice(start);
  }

  /** Formats everything written so far and returns the output accumulated since the last flush. */
  flush(): string {
    if (this.cellText.length > 0) this.terminateCell(false);
    this.format();
    const s = this.out.join('');
    this.out = [];
    return s;
  }

  private terminateCell(htab: boolean): number {
    const line = this.lines[this.lines.length - 1]!;
    line.push({ text: this.cellText, width: displayWidth(this.cellText), htab });
    this.cellText = '';
    return line.length;
  }

  private format(): void {
    this.formatRange(0, this.lines.length);
    // The pending (unterminated) cell stays pending: it is written by writeLines as part of the last line.
    this.lines = [[]];
    this.widths = [];
  }

  private formatRange(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= this.lines[cur]!.length - 1) continue;
      // The cell in `column` of this line starts a block of lines that all have a cell there.
      this.writeLines(line0, cur);
      line0 = cur;
      let width = this.opts.minWidth;
      let discardable = true;
      for (; cur < line1; cur++) {
        const line = this.lines[cur]!;
        if (column >= line.length - 1) break;
        const c = line[column]!;
        const w = c.width + this.opts.padding;
        if (w > width) width = w;
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && this.opts.discardEmptyColumns === true) width = 0;
      this.widths.push(width);
      this.formatRange(line0, cur);
      this.widths.pop();
      line0 = cur;
    }
    this.writeLines(line0, line1);
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      let useTabs = this.opts.tabIndent === true;
      line.forEach((c, j) => {
        if (j > 0 && this.opts.debug === true) this.out.push('|');
        const w = this.widths[j];
        if (c.text.length === 0) {
          if (w !== undefined) this.writePadding(c.width, w, useTabs);
          return;
        }
        useTabs = false;
        if (this.opts.alignRight === true) {
          if (w !== undefined) this.writePadding(c.width, w, false);
          this.out.push(c.text);
        } else {
          this.out.push(c.text);
          if (w !== undefined) this.writePadding(c.width, w, false);
        }
      });
      if (i + 1 === this.lines.length) {
        this.out.push(this.cellText);
        this.cellText = '';
      } else {
        this.out.push('\n');
      }
    }
  }

  private writePadding(textw: number, cellw: number, useTabs: boolean): void {
    if (this.opts.padChar === '\t' || useTabs) {
      const tw = this.opts.tabWidth;
      if (tw === 0) return;
      const cw = Math.ceil(cellw / tw) * tw;
      const n = cw - textw;
      this.out.push('\t'.repeat(Math.ceil(n / tw)));
      return;
    }
    this.out.push(this.opts.padChar.repeat(Math.max(cellw - textw, 0)));
  }
}

/** Aligns `text` in one go: `tabwrite('a\tb\nccc\td\n')`. */
export function tabwrite(text: string, opts: TabWriterOptions = DOCKER_TABLE): string {
  const w = new TabWriter(opts);
  w.write(text);
  return w.flush();
}
