import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateValidatorSource } from './schema/generate-validator.mjs';

describe('the precompiled schema validator', () => {
  it('matches the schema (rerun `node src/compose/schema/generate-validator.mjs` after updating compose-spec.json)', () => {
    const committed = readFileSync(fileURLToPath(new URL('./schema/compose-spec-validate.js', import.meta.url)), 'utf8');
    expect(committed === generateValidatorSource()).toBe(true);
  });
});
