/**
 * The Dockerfile front end: parsing into the typed instruction model (see instructions.ts for the contract).
 * Planning and per-stage evaluation live one level up (../plan.ts, ../stage-env.ts).
 */
export { parseDockerfile, parseTrigger, type ParseDockerfileOptions } from './parse.js';
export type * from './instructions.js';
export { KEYWORDS } from './instructions.js';
export { DockerfileError, DockerfileSyntaxError } from './errors.js';
export type { Heredoc, HeredocMarker } from './heredoc.js';
export type { RunMount, RunMountSpec, RunMountType } from './mount-flags.js';
export { resolveMount } from './mount-flags.js';
export {
  ShellLexer,
  emptyEnv,
  envFrom,
  envFromList,
  expandWord,
  expandWords,
  type EnvLookup,
  type ShellLexerOptions,
} from './shell-lexer.js';
export { applyChmod, parseChmod, parseExposePorts, parseGoDuration, parseSignal, type ChmodSpec } from './values.js';
