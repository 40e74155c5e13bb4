/**
 * Loading a compose project: the pipeline that ties discovery, YAML, interpolation, validation, include, extends,
 * merging, canonical forms, path resolution, normalisation, conversion, profiles and consistency together (the
 * order is compose-go's loader.LoadWithContext):
 *
 *   for each file, for each `---` document:
 *     interpolate (values only) -> validate against the schema -> drop `version` (warn) -> include ->
 *     clear `!reset`/`!override` paths from what was merged so far -> extends -> merge -> unique -> canonical
 *   defaults -> relative paths -> bare environment names -> normalise -> typed model -> profiles ->
 *   consistency -> env_file/label_file -> selection
 *
 * File access goes through a {@link ComposeFs}; nothing is printed: warnings are returned.
 */
import { posix } from 'node:path';
import { canonical, setDefaults } from './canonical.js';
import { convertFileObject, convertNetwork, convertService, convertVolume } from './convert.js';
import { discoverProject, normalizeProjectName, validateProjectName, type DiscoverOptions } from './discover.js';
import { parseDotenv } from './dotenv.js';
import { ComposeError, composeError, type LoadWarning } from './errors.js';
import { applyExtends } from './extends.js';
import { createNodeFs, type ComposeFs } from './fs.js';
import { applyInclude } from './include.js';
import { interpolateTree, substitute } from './interpolate.js';
import { parseComposeFile, type RawDocument } from './load.js';
import { applyResets, enforceUnicity, mergeRaw } from './merge.js';
import type { Project } from './model.js';
import { applyProfiles, checkConsistency, normalizeRaw, resolveServiceFiles, selectServices } from './normalize.js';
import { resolveRelativePaths } from './paths.js';
import { isMap, type RawMap } from './tree-path.js';
import { validateDocument } from './validate.js';

/** Everything that decides what `loadProject` loads (the `compose` global flags plus a few loader switches). */
export interface LoadProjectOptions extends DiscoverOptions {
  /** Contents of stdin, for `-f -`. */
  stdin?: string;
  /** `-p`. */
  projectName?: string;
  /**
   * Services named on the command line: they activate their own profiles and, with `select`, restrict the
   * project to them and their dependencies.
   */
  services?: readonly string[];
  /** Restrict `services` to the named ones (and their dependencies unless `withDependencies: false`). */
  select?: boolean;
  /** false with `--no-deps`. */
  withDependencies?: boolean;
  /** false with `--no-interpolate`: values stay as written; the project is then not converted (see `model`). */
  interpolate?: boolean;
  /** false to keep `env_file`/`label_file` unread (`config --no-env-resolution`). */
  resolveEnvFiles?: boolean;
  /** false to skip the consistency checks (`config --no-consistency`). */
  consistency?: boolean;
  /** The file system (default: the host's). */
  fs?: ComposeFs;
}

/** What {@link loadProject} returns. */
export interface LoadedProject {
  /** The typed, normalised project (undefined with `interpolate: false`). */
  project: Project | undefined;
  /**
   * The merged raw model after normalisation, as plain data (what `config --no-interpolate` prints): keys as in
   * compose files, long syntaxes, no typed conversion.
   */
  model: RawMap;
  /** Non-fatal findings (missing variables, obsolete `version`, several default files...), in order. */
  warnings: LoadWarning[];
}

interface LoadCtx {
  fs: ComposeFs;
  warnings: LoadWarning[];
  interpolate: boolean;
  /** Parsed documents by file, so a file read for `name:` is not parsed twice. */
  parsed: Map<string, RawDocument[]>;
  stdin: string | undefined;
  home: string | undefined;
}

function readDocuments(ctx: LoadCtx, file: string): RawDocument[] {
  const cached = ctx.parsed.get(file);
  if (cached !== undefined) return cached;
  let text: string | undefined;
  if (file === '-') text = ctx.stdin ?? '';
  else {
    const st = ctx.fs.stat(file);
    if (st === 'dir') throw composeError(`read ${file}: is a directory`, { file });
    text = ctx.fs.readFile(file);
  }
  if (text === undefined) {
    throw new ComposeError(`open ${file}: no such file or directory`, { file }, 'not-found');
  }
  const docs = parseComposeFile(text, file);
  ctx.parsed.set(file, docs);
  return docs;
}

function lookupIn(env: Record<string, string>) {
  return (k: string): string | undefined => (Object.hasOwn(env, k) ? env[k] : undefined);
}

/** Interpolates and validates one document; returns its content (a fresh object). */
function prepareDocument(ctx: LoadCtx, doc: RawDocument, env: Record<string, string>): RawMap {
  let content = doc.content;
  if (ctx.interpolate) {
    content = interpolateTree(content, { lookup: lookupIn(env), file: doc.file, locate: doc.locate, warnings: ctx.warnings }) as RawMap;
  } else {
    content = structuredClone(content);
  }
  validateDocument(content, doc.file, doc.locate);
  if ('version' in content) {
    ctx.warnings.push({
      message: `${doc.file}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
      location: { file: doc.file, path: 'version', ...doc.locate(['version']) },
    });
    delete content.version;
  }
  return content;
}

/**
 * compose-go loadYamlModel: the files of one project (the main project or an included one) merged into one raw
 * model, with defaults set and paths resolved against `workingDir`.
 */
function loadModel(ctx: LoadCtx, files: readonly string[], workingDir: string, env: Record<string, string>, chain: string[]): RawMap {
  let model: RawMap = {};
  for (const file of files) {
    for (const doc of readDocuments(ctx, file)) {
      const content = prepareDocument(ctx, doc, env);
      applyInclude(content, file, workingDir, env, [...chain, file], doc.resetPaths, {
        isFile: (p) => ctx.fs.stat(p) === 'file',
        readEnvFiles: (list, base) => readEnvFiles(ctx, list, base),
        loadModel: (f, dir, e, c) => {
          const m = loadModel(ctx, f, dir, e, c);
          resolveEnvironmentNames(m, e);
          return m;
        },
      });
      applyResets(model, doc.resetPaths);
      if (isMap(content.services)) {
        applyExtends(content.services, file, doc.resetPaths, {
          loadServices: (baseFile) => loadExtendsBase(ctx, baseFile, env),
        });
      }
      model = mergeRaw(model, content, []) as RawMap;
      model = enforceUnicity(model) as RawMap;
      model = canonical(model, !ctx.interpolate);
      model = enforceUnicity(model) as RawMap;
    }
  }
  model = setDefaults(model);
  resolveRelativePaths(model, { workingDir, home: ctx.home });
  return model;
}

/** The services of a file named by `extends.file`: its documents merged, paths resolved against its directory. */
function loadExtendsBase(ctx: LoadCtx, file: string, env: Record<string, string>): RawMap {
  if (ctx.fs.stat(file) !== 'file') throw composeError(`cannot read ${file}`, { file });
  let model: RawMap = {};
  for (const doc of readDocuments(ctx, file)) {
    const content = prepareDocument(ctx, doc, env);
    delete content.include;
    applyResets(model, doc.resetPaths);
    model = mergeRaw(model, content, []) as RawMap;
  }
  model = canonical(model, !ctx.interpolate);
  resolveRelativePaths(model, { workingDir: posix.dirname(file), home: ctx.home });
  if (!isMap(model.services)) throw composeError(`cannot extend service in ${file}: no services section`, { file });
  return model.services;
}

function readEnvFiles(ctx: LoadCtx, files: readonly string[], env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    const st = ctx.fs.stat(f);
    if (st === undefined) throw composeError(`couldn't find env file: ${f}`, { file: f });
    if (st === 'dir') throw composeError(`${f} is not a file`, { file: f });
    try {
      for (const [k, v] of parseDotenv(ctx.fs.readFile(f) ?? '', (k) => (Object.hasOwn(env, k) ? env[k] : out[k]))) out[k] = v;
    } catch (err) {
      throw composeError(`failed to read ${f}: ${(err as Error).message}`, { file: f });
    }
  }
  return out;
}

/** compose-go ResolveEnvironment: `environment: [FOO]` takes FOO from the environment when it is set there. */
function resolveEnvironmentNames(model: RawMap, env: Record<string, string>): void {
  if (!isMap(model.services)) return;
  for (const s of Object.values(model.services)) {
    if (!isMap(s) || !Array.isArray(s.environment)) continue;
    s.environment = s.environment.map((e) => (typeof e === 'string' && !e.includes('=') && Object.hasOwn(env, e) ? `${e}=${env[e]}` : e));
  }
  for (const kind of ['secrets', 'configs'] as const) {
    const top = model[kind];
    if (!isMap(top)) continue;
    for (const o of Object.values(top)) {
      if (isMap(o) && typeof o.environment === 'string' && Object.hasOwn(env, o.environment)) o.content = env[o.environment];
    }
  }
}

/** The last non-empty `name:` of the files, interpolated and normalised ('' when none). */
function nameFromFiles(ctx: LoadCtx, files: readonly string[], env: Record<string, string>): string {
  let raw = '';
  for (const f of files) {
    for (const d of readDocuments(ctx, f)) {
      const n = d.content.name;
      if (typeof n === 'string' && n !== '') raw = n;
    }
  }
  if (raw === '') return '';
  let name = raw;
  if (ctx.interpolate) {
    try {
      name = substitute(raw, lookupIn(env));
    } catch (err) {
      throw composeError(`error while interpolating name: ${(err as Error).message}`);
    }
  }
  return normalizeProjectName(name);
}

/**
 * Loads a compose project.
 * @throws ComposeError (invalid-argument, or not-found for missing files) with the file, path and position of the
 * problem when known.
 */
export function loadProject(options: LoadProjectOptions): LoadedProject {
  const fs = options.fs ?? createNodeFs();
  const warnings: LoadWarning[] = [];
  const discovered = discoverProject(options, fs, warnings);
  const ctx: LoadCtx = {
    fs,
    warnings,
    interpolate: options.interpolate !== false,
    parsed: new Map(),
    stdin: options.stdin,
    home: discovered.environment.HOME ?? fs.homeDir(),
  };
  const env = discovered.environment;

  // -p > COMPOSE_PROJECT_NAME > name: > directory name
  let name: string;
  if (options.projectName !== undefined && options.projectName !== '') {
    validateProjectName(options.projectName);
    name = options.projectName;
  } else if (env.COMPOSE_PROJECT_NAME !== undefined && env.COMPOSE_PROJECT_NAME !== '') {
    validateProjectName(env.COMPOSE_PROJECT_NAME);
    name = env.COMPOSE_PROJECT_NAME;
  } else {
    name = nameFromFiles(ctx, discovered.files, env);
    if (name === '') name = normalizeProjectName(posix.basename(discovered.workingDir));
  }
  if (name === '') throw composeError('project name must not be empty');
  env.COMPOSE_PROJECT_NAME = name;

  const model = loadModel(ctx, discovered.files, discovered.workingDir, env, []);
  if (Object.keys(model).length === 0) throw composeError('empty compose file', { file: discovered.files[0] });
  resolveEnvironmentNames(model, env);
  normalizeRaw(model, name, env);

  if (!ctx.interpolate) return { project: undefined, model, warnings };

  const project = toProject(model, {
    name,
    workingDir: discovered.workingDir,
    configFiles: discovered.files,
    envFiles: discovered.envFiles,
    environment: env,
    warnings,
  });
  applyProfiles(project, discovered.profiles, options.services ?? []);
  if (options.consistency !== false) checkConsistency(project);
  if (options.resolveEnvFiles !== false) resolveServiceFiles(project, (p) => fs.readFile(p), warnings);
  if (options.select === true && options.services !== undefined) {
    selectServices(project, options.services, options.withDependencies !== false);
  }
  return { project, model, warnings };
}

interface ProjectMeta {
  name: string;
  workingDir: string;
  configFiles: string[];
  envFiles: string[];
  environment: Record<string, string>;
  warnings: LoadWarning[];
}

/** Converts a normalised raw model into the typed {@link Project}. */
export function toProject(model: RawMap, meta: ProjectMeta): Project {
  const services: Project['services'] = {};
  const raw = isMap(model.services) ? model.services : {};
  for (const name of Object.keys(raw).sort()) {
    const s = raw[name];
    services[name] = convertService(name, isMap(s) ? s : {}, meta.warnings);
  }
  const section = <T>(key: string, conv: (k: string, v: unknown) => T): Record<string, T> => {
    const out: Record<string, T> = {};
    const top = model[key];
    if (isMap(top)) for (const k of Object.keys(top).sort()) out[k] = conv(k, top[k]);
    return out;
  };
  const project: Project = {
    name: meta.name,
    services,
    networks: section('networks', (k, v) => convertNetwork(k, v, meta.warnings)),
    volumes: section('volumes', (k, v) => convertVolume(k, v, meta.warnings)),
    secrets: section('secrets', (k, v) => convertFileObject('secrets', k, v, meta.warnings)),
    configs: section('configs', (k, v) => convertFileObject('configs', k, v, meta.warnings)),
    workingDir: meta.workingDir,
    configFiles: meta.configFiles,
    envFiles: meta.envFiles,
    environment: meta.environment,
    disabledServices: {},
    profiles: [],
  };
  const ext: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(model)) if (k.startsWith('x-')) ext[k] = v;
  if (Object.keys(ext).length > 0) project.extensions = ext;
  return project;
}
