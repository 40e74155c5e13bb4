import { invalidArgument } from '../engine/errdefs.js';
import { formatPlatform, type Platform } from '../engine/platforms.js';

/**
 * Build arguments from the command line, and the ones Docker predefines.
 */

/**
 * `--build-arg` values by name. A string is a value (possibly empty); `undefined` records a bare
 * `--build-arg K` whose K is not set in the caller's environment: the ARG default applies, but the name still
 * counts as given (for the "not consumed" warning).
 */
export type BuildArgs = ReadonlyMap<string, string | undefined>;

/**
 * Parses `--build-arg` flags: `K=V`, `K=` (empty value), or a bare `K` taken from `env` (the caller's
 * environment) when set there. Later flags win. Throws invalid-argument for an empty name.
 */
export function parseBuildArgs(specs: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (key === '') throw invalidArgument(`invalid build-arg "${spec}": name must not be empty`);
    out.set(key, eq < 0 ? env[key] : spec.slice(eq + 1));
  }
  return out;
}

/**
 * Proxy variables Docker passes to RUN without an ARG declaring them. Undeclared, they reach RUN's environment
 * but neither the image history nor the cache key; declared (`ARG http_proxy`), they behave like any ARG.
 */
export const PROXY_ARGS: readonly string[] = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];

const PROXY_SET = new Set(PROXY_ARGS);

export function isProxyArg(name: string): boolean {
  return PROXY_SET.has(name);
}

/** Names BuildKit reserves for its own options; passing them never triggers the "not consumed" warning. */
export const BUILTIN_ARGS: readonly string[] = [
  'BUILDKIT_SANDBOX_HOSTNAME',
  'BUILDKIT_CONTEXT_KEEP_GIT_DIR',
  'BUILDKIT_CACHE_MOUNT_NS',
  'BUILDKIT_INLINE_CACHE',
  'BUILDKIT_SYNTAX',
  'BUILDKIT_MULTI_PLATFORM',
  'BUILDKIT_BUILD_NAME',
  'SOURCE_DATE_EPOCH',
];

/**
 * The args predefined in the global scope (usable in FROM lines; inside a stage only after `ARG NAME`):
 * BUILDPLATFORM/BUILDOS/BUILDOSVERSION/BUILDARCH/BUILDVARIANT, the same for TARGET*, and TARGETSTAGE (the target
 * stage's name, `default` when unnamed). `--build-arg` values override them.
 */
export function predefinedArgs(build: Platform, target: Platform, targetStage: string): Map<string, string> {
  return new Map<string, string>([
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDOSVERSION', build['os.version'] ?? ''],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETOSVERSION', target['os.version'] ?? ''],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
    ['TARGETSTAGE', targetStage === '' ? 'default' : targetStage],
  ]);
}
