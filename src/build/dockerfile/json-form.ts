import { syntaxError } from './errors.js';

/**
 * The exec (JSON) form of RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK CMD, COPY, ADD and VOLUME, parsed from the raw
 * argument text (never from dockerfile-ast, whose JSON values lose inner whitespace and escapes).
 *
 * Docker's rule: text that starts with `[` and is a valid JSON array of strings is the exec form; text that is
 * not valid JSON silently becomes the shell form (`RUN ["echo","hi"]oops` runs `/bin/sh -c '["echo","hi"]oops'`),
 * but a valid JSON array with a non-string element is an error.
 */
export function parseJsonArray(text: string): string[] | undefined {
  const t = text.replace(/^\s+/u, '');
  if (!t.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((v): v is string => typeof v === 'string')) {
    syntaxError('when using JSON array syntax, arrays must be comprised of strings only');
  }
  return value;
}
