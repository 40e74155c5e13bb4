import { describe, expect, it } from 'vitest';
import { displayWidth, tabwrite, TabWriter, DOCKER_TABLE } from './tabwriter.js';

describe('tabwrite with Docker table layout', () => {
  it.each([
    // Docker's own output (docker context ls) for the same cells.
    ['NAME\tDOCKER ENDPOINT\ndefault\tunix:///var/run/docker.sock\n', 'NAME      DOCKER ENDPOINT\ndefault   unix:///var/run/docker.sock\n'],
    // Columns are at least minwidth (10) wide, including the 3 of padding; the last cell is never padded.
    ['A\tB\tC\nlonger-value\tx\ty\n', 'A              B         C\nlonger-value   x         y\n'],
    // Empty cells are padded like any other.
    ['\tX\ndefault\tX\n', '          X\ndefault   X\n'],
    // A line without a tab ends a block: the lines after it align on their own.
    ['x\nxdefult\ty\n', 'x\nxdefult   y\n'],
    ['a\tb\nsingle\nccccccccccccc\td\n', 'a         b\nsingle\nccccccccccccc   d\n'],
    // Lines with fewer cells only take part in the columns they have.
    ['a\tb\tc\naa\n', 'a         b         c\naa\n'],
    ['ID\tNAME\n', 'ID        NAME\n'],
    // Wide characters count as two columns, as Docker's fork measures them.
    ['名前\tX\nab\tY\n', '名前      X\nab        Y\n'],
    ['', ''],
    ['no newline at end\tz', 'no newline at end   z'],
  ])('%j', (input, want) => {
    expect(tabwrite(input, DOCKER_TABLE)).toBe(want);
  });
});

describe('TabWriter options', () => {
  it('pads with tabs when the pad character is a tab', () => {
    expect(tabwrite('a\tb\nccc\td\n', { minWidth: 0, tabWidth: 8, padding: 1, padChar: '\t' })).toBe('a\tb\nccc\td\n');
    expect(tabwrite('aaaaaaaa\tb\nc\td\n', { minWidth: 0, tabWidth: 8, padding: 1, padChar: '\t' })).toBe('aaaaaaaa\tb\nc\t\td\n');
  });

  it('aligns right', () => {
    expect(tabwrite('a\tb\nccc\td\n', { minWidth: 0, tabWidth: 1, padding: 1, padChar: ' ', alignRight: true })).toBe('   ab\n cccd\n');
  });

  it('draws column separators in debug mode', () => {
    expect(tabwrite('a\tb\tc\n', { minWidth: 0, tabWidth: 1, padding: 1, padChar: '.', debug: true })).toBe('a.|b.|c\n');
  });

  it('discards empty soft-tab columns when asked', () => {
    expect(tabwrite('a\v\vb\n', { minWidth: 0, tabWidth: 1, padding: 1, padChar: ' ', discardEmptyColumns: true })).toBe('a b\n');
  });

  it('accepts text in pieces and keeps state across writes', () => {
    const w = new TabWriter();
    w.write('NAME\tI');
    w.write('D\nweb\t12');
    w.write('3\n');
    expect(w.flush()).toBe('NAME      ID\nweb       123\n');
    expect(w.flush()).toBe('');
  });

  it('rejects negative sizes', () => {
    expect(() => new TabWriter({ minWidth: -1, tabWidth: 1, padding: 1, padChar: ' ' })).toThrow(RangeError);
  });
});

describe('displayWidth', () => {
  it.each([
    ['abc', 3],
    ['名前', 4],
    ['e\u0301', 1],
    ['\x1b', 0],
    ['😀', 2],
  ])('%j is %d columns', (s, w) => {
    expect(displayWidth(s)).toBe(w);
  });
});
