import { describe, expect, it } from 'vitest';
import { labelsColumn } from '../content/index.js';
import { parseConmonVersion, parseRuncVersion } from '../system/components.js';
import { ctrBytes, snapshotTree } from './index.js';

describe('snapshotTree', () => {
  it("prints ctr's tree", () => {
    expect(snapshotTree([{ name: 'a' }, { name: 'b', parent: 'a' }, { name: 'c', parent: 'b' }, { name: 'd', parent: 'a' }, { name: 'e' }])).toBe(
      ' a\n  \\_ b\n    \\_ c\n  \\_ d\n e\n',
    );
  });
});

describe('ctr formats', () => {
  it('sizes and labels', () => {
    expect(ctrBytes(4096)).toBe('4.0 KiB');
    expect(ctrBytes(12)).toBe('12.0 B');
    expect(labelsColumn({})).toBe('-');
    expect(labelsColumn({ b: '2', a: '1' })).toBe('a=1,b=2');
  });

  it('reads runc and conmon versions', () => {
    expect(parseRuncVersion('runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n')).toEqual({ version: '1.1.5+ds1', commit: '1.1.5+ds1-1+deb12u1' });
    expect(parseConmonVersion('conmon version 2.1.6\ncommit: unknown\n')).toEqual({ version: '2.1.6', commit: 'unknown' });
  });
});
