/** The text of compose-spec-validate.js as generate-validator.mjs writes it. */
export function generateValidatorSource(): string;
