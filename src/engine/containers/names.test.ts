import { describe, expect, it } from 'vitest';
import { validateContainerName } from '../identifiers.js';
import { generateName, randomName } from './names.js';

describe('randomName', () => {
  it('makes valid Docker-style adjective_surname names', () => {
    for (let i = 0; i < 200; i++) {
      const n = randomName();
      expect(n).toMatch(/^[a-z]+_[a-z]+$/);
      expect(validateContainerName(n)).toBe(n);
    }
  });
  it('avoids taken names, appending a digit after collisions', () => {
    let calls = 0;
    const n = generateName(() => ++calls <= 3);
    expect(n).toMatch(/^[a-z]+_[a-z]+\d$/);
  });
});
