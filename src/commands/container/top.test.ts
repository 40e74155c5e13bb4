import { describe, expect, it } from 'vitest';
import { validatePsArgs } from '../../engine/containers/top.js';
import { topTable } from './top.js';

describe('top', () => {
  it("lays the table out as Docker's CLI does (min width 20, padding 3, last column unpadded)", () => {
    const out = topTable({ titles: ['PID', 'COMMAND'], processes: [['12162', 'sleep 3000']] });
    expect(out).toBe(`PID${' '.repeat(17)}COMMAND\n12162${' '.repeat(15)}sleep 3000\n`);
  });

  it('refuses renaming another column to PID', () => {
    expect(() => validatePsArgs('-o user=PID')).toThrow('specifying "user=PID" is not allowed');
    expect(() => validatePsArgs('-o pid=PID,comm')).not.toThrow();
    expect(() => validatePsArgs('-ef')).not.toThrow();
  });
});
