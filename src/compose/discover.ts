/**
 * Where a project comes from: its compose files, its directory, its environment and its name, as `docker compose`
 * decides them (compose-go cli/options.go and docker/compose cmd/compose/compose.go):
 *
 * - files: `-f` (repeatable, `-` = stdin) > `COMPOSE_FILE` (split on `COMPOSE_PATH_SEPARATOR`, default `:`) >
 *   the first of `compose.yaml`, `compose.yml`, `docker-compose.yml`, `docker-compose.yaml` found walking up from the
 *   project directory (or cwd), plus the first matching `compose.override.yml|yaml` /
 *   `docker-compose.override.yml|yaml` beside it (several candidates: the first wins, with a warning);
 * - project directory: `--project-directory` > the directory of the first file > cwd;
 * - environment: the shell environment, then (for keys it lacks) `--env-file`s in order or else the `.env` of the
 *   project directory; `COMPOSE_*` variables may come from there;
 * - name: `-p` > `COMPOSE_PROJECT_NAME` > the last `name:` of the files (interpolated, normalised) > the project
 *   directory's base name, normalised. Explicit names must match `^[a-z0-9][a-z0-9_-]*$`.
 */
import { posix } from 'node:path';
import { parseDotenv } from './dotenv.js';
import { ComposeError, composeError, type LoadWarning } from './errors.js';
import type { ComposeFs } from './fs.js';

export const DEFAULT_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;
export const DEFAULT_OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
] as const;

/** compose-go NormalizeProjectName: lower-cased, only `[a-z0-9_-]` kept, leading `_`/`-` removed. */
export function normalizeProjectName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

/** @throws ComposeError for an explicit name that normalisation would change. */
export function validateProjectName(name: string): void {
  if (normalizeProjectName(name) !== name || name === '') {
    throw composeError(
      `invalid project name ${JSON.stringify(name)}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
    );
  }
}

/** The default compose file (and its override) found by walking up from `startDir`, or undefined. */
export function findDefaultComposeFiles(startDir: string, fs: ComposeFs, warnings: LoadWarning[]): string[] | undefined {
  let dir = startDir;
  for (;;) {
    const candidates = DEFAULT_FILE_NAMES.map((n) => posix.join(dir, n)).filter((p) => fs.stat(p) === 'file');
    if (candidates.length > 0) {
      if (candidates.length > 1) {
        warnings.push({ message: `Found multiple config files with supported names: ${candidates.join(', ')}` });
        warnings.push({ message: `Using ${candidates[0]}` });
      }
      const files = [candidates[0]!];
      const overrides = DEFAULT_OVERRIDE_FILE_NAMES.map((n) => posix.join(dir, n)).filter((p) => fs.stat(p) === 'file');
      if (overrides.length > 1) {
        warnings.push({ message: `Found multiple override files with supported names: ${overrides.join(', ')}` });
        warnings.push({ message: `Using ${overrides[0]}` });
      }
      if (overrides.length > 0) files.push(overrides[0]!);
      return files;
    }
    const parent = posix.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Options that decide where a project comes from (the global `compose` flags). */
export interface DiscoverOptions {
  /** Absolute current directory. */
  cwd: string;
  /** The shell environment. */
  env: Record<string, string | undefined>;
  /** `-f` values in order; `-` reads `stdin`. */
  files?: readonly string[];
  /** `--project-directory`. */
  projectDirectory?: string;
  /** `--env-file` values in order. */
  envFiles?: readonly string[];
  /** `--profile` values. */
  profiles?: readonly string[];
}

/** What {@link discoverProject} decided. */
export interface DiscoveredProject {
  /** Absolute compose file paths (`-` for stdin), in load order. */
  files: string[];
  /** Absolute project directory. */
  workingDir: string;
  /** Shell environment plus env files (shell wins). */
  environment: Record<string, string>;
  /** The env files that were read. */
  envFiles: string[];
  /** Active profiles. */
  profiles: string[];
}

/**
 * Decides files, directory, environment and profiles (not the name: it needs the files' `name:`).
 * @throws ComposeError `no configuration file provided: not found` (code not-found) when nothing is found, and for
 * unreadable env files or missing `COMPOSE_FILE` entries.
 */
export function discoverProject(opts: DiscoverOptions, fs: ComposeFs, warnings: LoadWarning[]): DiscoveredProject {
  const abs = (p: string): string => (posix.isAbsolute(p) ? posix.normalize(p) : posix.join(opts.cwd, p));
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) environment[k] = v;
  if (!('PWD' in environment)) environment.PWD = opts.cwd;
  const projectDirectory = opts.projectDirectory !== undefined && opts.projectDirectory !== '' ? abs(opts.projectDirectory) : undefined;

  let files = (opts.files ?? []).map((f) => (f === '-' ? '-' : abs(f)));
  const workingDirOf = (list: readonly string[]): string => {
    if (projectDirectory !== undefined) return projectDirectory;
    const first = list.find((f) => f !== '-');
    return first !== undefined ? posix.dirname(first) : opts.cwd;
  };

  const envFilesRead: string[] = [];
  const loadEnvFiles = (dir: string): void => {
    let list: string[];
    if (opts.envFiles !== undefined && opts.envFiles.length > 0) list = opts.envFiles.map(abs);
    else {
      const dotenv = posix.join(dir, '.env');
      if (environment.COMPOSE_DISABLE_ENV_FILE !== undefined && /^(1|t|true)$/i.test(environment.COMPOSE_DISABLE_ENV_FILE)) return;
      list = fs.stat(dotenv) === 'file' ? [dotenv] : [];
    }
    const fromFiles: Record<string, string> = {};
    for (const f of list) {
      const st = fs.stat(f);
      if (st === undefined) throw composeError(`couldn't find env file: ${f}`, { file: f });
      if (st === 'dir') throw composeError(`${f} is a directory`, { file: f });
      const text = fs.readFile(f) ?? '';
      try {
        for (const [k, v] of parseDotenv(text, (k) => environment[k] ?? fromFiles[k])) fromFiles[k] = v;
      } catch (err) {
        throw composeError(`failed to read ${f}: ${(err as Error).message}`, { file: f });
      }
      if (!envFilesRead.includes(f)) envFilesRead.push(f);
    }
    for (const [k, v] of Object.entries(fromFiles)) if (!(k in environment)) environment[k] = v;
  };

  loadEnvFiles(workingDirOf(files));
  if (files.length === 0 && environment.COMPOSE_FILE !== undefined && environment.COMPOSE_FILE !== '') {
    const sep = environment.COMPOSE_PATH_SEPARATOR || ':';
    files = environment.COMPOSE_FILE.split(sep).map((f) => {
      if (f === '-') return f;
      const p = abs(f);
      if (fs.stat(p) === undefined) throw composeError(`stat ${p}: no such file or directory`, { file: p }, '');
      return p;
    });
  }
  if (files.length === 0) {
    const found = findDefaultComposeFiles(projectDirectory ?? opts.cwd, fs, warnings);
    if (found === undefined) {
      throw new ComposeError('no configuration file provided: not found', {}, 'not-found');
    }
    files = found;
  }
  const workingDir = workingDirOf(files);
  // a project directory other than cwd may hold its own .env (compose applies WithDotEnv twice)
  loadEnvFiles(workingDir);

  let profiles = [...(opts.profiles ?? [])];
  if (profiles.length === 0 && environment.COMPOSE_PROFILES !== undefined) {
    profiles = environment.COMPOSE_PROFILES.split(',').map((s) => s.trim());
  }
  profiles = profiles.filter((p) => p !== '');
  return { files, workingDir, environment, envFiles: envFilesRead, profiles };
}
