import { describe, expect, it } from 'vitest';
import { chompHeredoc, heredocsInLine, parseHeredocWord } from './heredoc.js';

describe('parseHeredocWord', () => {
  it.each([
    ['<<EOF', { name: 'EOF', fd: 0, chomp: false, expand: true }],
    ['<<-EOF', { name: 'EOF', fd: 0, chomp: true, expand: true }],
    ["<<'EOF'", { name: 'EOF', fd: 0, chomp: false, expand: false }],
    ['<<"EOF"', { name: 'EOF', fd: 0, chomp: false, expand: false }],
    ['<<-"E"OF', { name: 'EOF', fd: 0, chomp: true, expand: false }],
    ['3<<IN', { name: 'IN', fd: 3, chomp: false, expand: true }],
    ['12<<-X', { name: 'X', fd: 12, chomp: true, expand: true }],
    ['<< EOF', { name: 'EOF', fd: 0, chomp: false, expand: true }],
  ])('%s', (word, marker) => {
    expect(parseHeredocWord(word)).toEqual(marker);
  });

  it.each(['<<', 'EOF', 'a<<EOF', '<<<EOF', '<<a b', 'x3<<EOF'])('%s is not a heredoc', (word) => {
    expect(parseHeredocWord(word)).toBeUndefined();
  });
});

describe('heredocsInLine', () => {
  it('finds openers anywhere in the line, in order', () => {
    expect(heredocsInLine('RUN cat <<A | tr a-z A-Z && 3<<-B python3 -').map((h) => [h.name, h.fd, h.chomp])).toEqual([
      ['A', 0, false],
      ['B', 3, true],
    ]);
  });

  it('ignores << inside quotes', () => {
    expect(heredocsInLine('RUN echo "<<EOF" \'<<X\'')).toEqual([]);
  });

  it('finds nothing in a line the lexer cannot read', () => {
    expect(heredocsInLine('RUN echo "unterminated <<EOF')).toEqual([]);
  });
});

describe('chompHeredoc', () => {
  it('strips leading tabs of every line only', () => {
    expect(chompHeredoc('\t\ta\n \tb\n\tc\td\n')).toBe('a\n \tb\nc\td\n');
  });
});
