/**
 * Normalisation (compose-go loader/normalize.go, reference section 3.4 and case 18/19), profiles, the consistency
 * checks (loader/validate.go, graph/cycle.go) and the reading of `env_file`s into `environment`.
 *
 * On the raw model:
 * - services without `networks` and without `network_mode` join `default`; the `default` network is declared only
 *   when some service uses it;
 * - networks, volumes, secrets and configs get their engine name: `name:` verbatim, else the key when `external`,
 *   else `<project>_<key>`;
 * - `pull_policy: if_not_present` reads `missing`; `build` gets `context: .` and `dockerfile: Dockerfile` (unless
 *   `dockerfile_inline`); build args without a value are taken from the environment or dropped; environment
 *   entries without a value are taken from the environment or stay unset;
 * - implicit `depends_on` (condition service_started, required) for `links` and `network_mode|ipc|pid|uts|cgroup:
 *   service:x` (restart: true) and `volumes_from` (restart: false), never overriding an explicit entry;
 * - volume targets are cleaned.
 */
import { parseDotenv } from './dotenv.js';
import { cleanPath } from './canonical.js';
import { composeError, type LoadWarning } from './errors.js';
import type { Project, Service } from './model.js';
import { isMap, type RawMap } from './tree-path.js';

type Env = Record<string, string>;

function resolveEntries(v: unknown, env: Env, keepEmpty: boolean): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const e of v) {
      if (typeof e !== 'string') {
        out.push(e);
        continue;
      }
      if (e.includes('=')) out.push(e);
      else if (Object.hasOwn(env, e)) out.push(`${e}=${env[e]}`);
      else if (keepEmpty) out.push(e);
    }
    return out;
  }
  if (isMap(v)) {
    const out: RawMap = {};
    for (const [k, e] of Object.entries(v)) {
      if (e !== null && e !== undefined) out[k] = e;
      else if (Object.hasOwn(env, k)) out[k] = env[k];
      else if (keepEmpty) out[k] = null;
    }
    return out;
  }
  return v;
}

const SERVICE_PREFIX = 'service:';
const CONTAINER_PREFIX = 'container:';

/** Normalises a merged raw model in place (see the module comment). */
export function normalizeRaw(model: RawMap, projectName: string, env: Env): RawMap {
  model.name = projectName;
  normalizeNetworks(model);
  const services = isMap(model.services) ? model.services : {};
  for (const s of Object.values(services)) {
    if (!isMap(s)) continue;
    if (s.pull_policy === 'if_not_present') s.pull_policy = 'missing';
    if (isMap(s.build)) {
      const b = s.build;
      if (b.context === undefined || b.context === null) b.context = '.';
      if ((b.dockerfile === undefined || b.dockerfile === null) && (b.dockerfile_inline === undefined || b.dockerfile_inline === null)) {
        b.dockerfile = 'Dockerfile';
      }
      if (b.args !== undefined) b.args = resolveEntries(b.args, env, false);
    }
    if (s.environment !== undefined) s.environment = resolveEntries(s.environment, env, true);
    const deps: RawMap = isMap(s.depends_on) ? s.depends_on : {};
    const implicit = (name: string, restart: boolean): void => {
      if (!(name in deps)) deps[name] = { condition: 'service_started', restart, required: true };
    };
    if (Array.isArray(s.links)) {
      for (const l of s.links) {
        const parts = String(l).split(':');
        implicit(parts.length === 2 ? parts[0]! : String(l), true);
      }
    }
    for (const ns of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
      const ref = s[ns];
      if (typeof ref === 'string' && ref.startsWith(SERVICE_PREFIX)) implicit(ref.slice(SERVICE_PREFIX.length), true);
    }
    if (Array.isArray(s.volumes)) {
      for (const v of s.volumes) if (isMap(v) && typeof v.target === 'string') v.target = cleanPath(v.target);
    }
    if (Array.isArray(s.volumes_from)) {
      for (const v of s.volumes_from) {
        const ref = String(v);
        if (!ref.startsWith(CONTAINER_PREFIX)) implicit(ref.split(':')[0]!, false);
      }
    }
    if (Object.keys(deps).length > 0) s.depends_on = deps;
  }
  setNameFromKey(model, projectName);
  return model;
}

function normalizeNetworks(model: RawMap): void {
  const networks: RawMap = isMap(model.networks) ? model.networks : {};
  let usesDefault = false;
  const services = isMap(model.services) ? model.services : {};
  for (const s of Object.values(services)) {
    if (!isMap(s) || 'provider' in s || (s.network_mode !== undefined && s.network_mode !== null)) continue;
    if (!isMap(s.networks) || Object.keys(s.networks).length === 0) {
      s.networks = { default: null };
      usesDefault = true;
    } else if ('default' in s.networks) usesDefault = true;
  }
  if (!('default' in networks) && usesDefault) networks.default = null;
  if (Object.keys(networks).length > 0) model.networks = networks;
}

function setNameFromKey(model: RawMap, project: string): void {
  for (const kind of ['networks', 'volumes', 'configs', 'secrets']) {
    const top = model[kind];
    if (!isMap(top)) continue;
    for (const [key, r] of Object.entries(top)) {
      const resource: RawMap = isMap(r) ? r : {};
      if (resource.name === undefined || resource.name === null) {
        resource.name = resource.external === true || resource.external === 'true' ? key : `${project}_${key}`;
      }
      top[key] = resource;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Profiles

/** True when a service is enabled by `profiles` (no profiles of its own, `*`, or one in common). */
export function serviceEnabled(service: Service, profiles: readonly string[]): boolean {
  const own = service.profiles ?? [];
  if (own.length === 0) return true;
  return profiles.includes('*') || own.some((p) => profiles.includes(p));
}

/**
 * Splits the project's services into enabled and disabled by `profiles`; services named in `explicit` (the
 * command line's services) activate their own profiles.
 * @throws ComposeError `no such service: x` for an explicit service that does not exist
 */
export function applyProfiles(project: Project, profiles: readonly string[], explicit: readonly string[] = []): void {
  const all: Record<string, Service> = { ...project.disabledServices, ...project.services };
  const active = [...profiles];
  for (const name of explicit) {
    const s = all[name];
    if (s === undefined) throw composeError(`no such service: ${name}`);
    if (!serviceEnabled(s, active)) active.push(...(s.profiles ?? []));
  }
  const enabled: Record<string, Service> = {};
  const disabled: Record<string, Service> = {};
  for (const name of Object.keys(all).sort()) {
    const s = all[name]!;
    if (serviceEnabled(s, active)) enabled[name] = s;
    else disabled[name] = s;
  }
  project.services = enabled;
  project.disabledServices = disabled;
  project.profiles = [...new Set(active)].filter((p) => p !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// Consistency

/**
 * compose-go's consistency checks on the enabled services: image or build present, networks/volumes/secrets/
 * configs declared, dependencies known and enabled (a dependency on a service disabled by profiles is an error
 * unless `required: false`), `network_mode: service:x` known, `scale` vs `deploy.replicas`, `container_name` with
 * more than one replica, duplicate mount targets, and no dependency cycle.
 * @throws ComposeError naming the service and the key
 */
export function checkConsistency(project: Project): void {
  for (const [name, s] of Object.entries(project.services)) {
    if (s.build === undefined && (s.image === undefined || s.image === '')) {
      throw composeError(`service ${JSON.stringify(name)} has neither an image nor a build context specified`);
    }
    if (s.build !== undefined) {
      if (s.build.dockerfile_inline !== undefined && s.build.dockerfile !== undefined) {
        throw composeError(`service ${JSON.stringify(name)} declares mutualy exclusive dockerfile and dockerfile_inline`);
      }
      for (const [key, c] of Object.entries(s.build.additional_contexts ?? {})) {
        if (!c.startsWith(SERVICE_PREFIX)) continue;
        const target = c.slice(SERVICE_PREFIX.length);
        const t = project.services[target];
        if (t === undefined) throw composeError(`service ${JSON.stringify(name)} declares unknown service ${JSON.stringify(target)} as additional contexts ${key}`);
        if (t.build === undefined) {
          throw composeError(`service ${JSON.stringify(name)} declares non-buildable service ${JSON.stringify(target)} as additional contexts ${key}`);
        }
      }
      if ((s.build.platforms?.length ?? 0) > 0 && s.platform !== undefined && !s.build.platforms!.includes(s.platform)) {
        throw composeError(`service.build.platforms MUST include service.platform ${JSON.stringify(s.platform)}`);
      }
      for (const sec of s.build.secrets ?? []) {
        if (!(sec.source in project.secrets)) throw composeError(`service ${JSON.stringify(name)} refers to undefined build secret ${sec.source}`);
      }
    }
    if (s.network_mode !== undefined && s.networks !== undefined && Object.keys(s.networks).length > 0) {
      throw composeError(`service ${name} declares mutually exclusive \`network_mode\` and \`networks\``);
    }
    for (const n of Object.keys(s.networks ?? {})) {
      if (!(n in project.networks)) throw composeError(`service ${JSON.stringify(name)} refers to undefined network ${n}`);
    }
    const test = s.healthcheck?.test;
    if (test !== undefined && test.length > 0 && !['CMD', 'CMD-SHELL', 'NONE'].includes(test[0]!)) {
      throw composeError(`services.${name}.healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"`);
    }
    for (const [dep, cfg] of Object.entries(s.depends_on ?? {})) {
      if (dep in project.services) continue;
      if (dep in project.disabledServices) {
        if (!cfg.required) continue;
        const profiles = project.disabledServices[dep]!.profiles ?? [];
        throw composeError(
          `service ${JSON.stringify(name)} depends on service ${JSON.stringify(dep)} which is not enabled by the active profiles` +
            (profiles.length > 0 ? ` (enable one of: ${profiles.join(', ')})` : ''),
        );
      }
      if (!cfg.required) continue;
      throw composeError(`service ${JSON.stringify(name)} depends on undefined service ${JSON.stringify(dep)}`);
    }
    if (s.network_mode?.startsWith(SERVICE_PREFIX)) {
      const ref = s.network_mode.slice(SERVICE_PREFIX.length);
      if (!(ref in project.services)) throw composeError(`service ${JSON.stringify(ref)} not found for network_mode 'service:${ref}'`);
    }
    for (const v of s.volumes ?? []) {
      if (v.type === 'volume' && v.source !== undefined && !(v.source in project.volumes)) {
        throw composeError(`service ${JSON.stringify(name)} refers to undefined volume ${v.source}`);
      }
    }
    for (const c of s.configs ?? []) {
      if (!(c.source in project.configs)) throw composeError(`service ${JSON.stringify(name)} refers to undefined config ${c.source}`);
    }
    for (const c of s.secrets ?? []) {
      if (!(c.source in project.secrets)) throw composeError(`service ${JSON.stringify(name)} refers to undefined secret ${c.source}`);
    }
    if (s.scale !== undefined && s.deploy?.replicas !== undefined && s.scale !== s.deploy.replicas) {
      throw composeError(`services.${name}: can't set distinct values on 'scale' and 'deploy.replicas'`);
    }
    if (s.scale !== undefined && s.deploy !== undefined) s.deploy.replicas = s.scale;
    if (s.scale !== undefined && s.scale < 0) throw composeError(`services.${name}.scale: must be greater than or equal to 0`);
    if ((s.deploy?.replicas ?? 0) < 0) throw composeError(`services.${name}.deploy.replicas: must be greater than or equal to 0`);
    const limits = s.deploy?.resources?.limits;
    if (s.cpus !== undefined && s.cpus !== 0 && limits?.cpus !== undefined && limits.cpus !== s.cpus) {
      throw composeError(`services.${name}: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'`);
    }
    if (s.mem_limit !== undefined && s.mem_limit !== 0 && limits?.memory !== undefined && limits.memory !== s.mem_limit) {
      throw composeError(`services.${name}: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'`);
    }
    const reservations = s.deploy?.resources?.reservations;
    if (s.mem_reservation !== undefined && reservations?.memory !== undefined && reservations.memory !== s.mem_reservation) {
      throw composeError(`services.${name}: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory'`);
    }
    if (s.pids_limit !== undefined && s.pids_limit !== 0 && limits?.pids !== undefined && limits.pids !== s.pids_limit) {
      throw composeError(`services.${name}: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'`);
    }
    if (serviceScale(s) > 1 && s.container_name !== undefined && s.container_name !== '') {
      const attr = s.scale === undefined ? 'deploy.replicas' : 'scale';
      throw composeError(`services.${name}: can't set container_name and ${attr} as container name must be unique`);
    }
    const mounts = new Map<string, string>();
    (s.tmpfs ?? []).forEach((t, i) => {
      const loc = `services.${name}.tmpfs[${i}]`;
      const target = t.split(':')[0]!;
      const prev = mounts.get(target);
      if (prev !== undefined) throw composeError(`${loc}: target ${target} already mounted as ${prev}`);
      mounts.set(target, loc);
    });
    (s.volumes ?? []).forEach((v, i) => {
      const loc = `services.${name}.volumes[${i}]`;
      const prev = mounts.get(v.target);
      if (prev !== undefined) throw composeError(`${loc}: target ${v.target} already mounted as ${prev}`);
      mounts.set(v.target, loc);
    });
  }
  for (const [name, sec] of Object.entries(project.secrets)) {
    if (sec.external === true) continue;
    if ((sec.file === undefined || sec.file === '') && (sec.environment === undefined || sec.environment === '')) {
      throw composeError(`secret ${JSON.stringify(name)} must declare either \`file\` or \`environment\``);
    }
  }
  checkCycles(project);
}

/** Replicas: `scale`, else `deploy.replicas`, else 1. */
export function serviceScale(s: Service): number {
  return s.scale ?? s.deploy?.replicas ?? 1;
}

/** `dependency cycle detected: a -> b -> a`, searched in name order for a stable message. */
export function checkCycles(project: Project): void {
  const names = Object.keys(project.services).sort();
  const deps = (n: string): string[] => Object.keys(project.services[n]?.depends_on ?? {}).filter((d) => d in project.services).sort();
  const done = new Set<string>();
  const search = (path: string[], n: string): void => {
    for (const d of deps(n)) {
      const i = path.indexOf(d);
      if (i >= 0) throw composeError(`dependency cycle detected: ${path.slice(i).join(' -> ')} -> ${d}`);
      if (done.has(d)) continue;
      search([...path, d], d);
    }
    done.add(n);
  };
  for (const n of names) if (!done.has(n)) search([n], n);
}

// ---------------------------------------------------------------------------------------------------------------
// Environment files

/** Reads an env file: dotenv syntax, or `format: raw` (`K=V` lines taken literally). */
export function parseEnvFileText(text: string, format: string | undefined, lookup: (k: string) => string | undefined): Map<string, string> {
  if (format === undefined || format === '' || format === '.env') return parseDotenv(text, lookup);
  if (format !== 'raw') throw composeError(`unsupported env_file format ${JSON.stringify(format)}`);
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i < 0) {
      const v = lookup(line.trim());
      if (v !== undefined) out.set(line.trim(), v);
    } else out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/**
 * Reads each service's `env_file`s into its `environment` (later files win, `environment` wins over files; a
 * missing file is an error unless `required: false`) and its `label_file`s into `labels`; removes both keys.
 * Variables of env files are interpolated with the project environment first, then the service's environment.
 */
export function resolveServiceFiles(
  project: Project,
  readFile: (path: string) => string | undefined,
  warnings: LoadWarning[],
): void {
  const projectEnv = project.environment;
  for (const s of [...Object.values(project.services), ...Object.values(project.disabledServices)]) {
    if (s.environment !== undefined) {
      for (const [k, v] of Object.entries(s.environment)) if (v === null && Object.hasOwn(projectEnv, k)) s.environment[k] = projectEnv[k]!;
    }
    if (s.env_file !== undefined) {
      const fromFiles: Record<string, string> = {};
      for (const f of s.env_file) {
        const text = readFile(f.path);
        if (text === undefined) {
          if (f.required) throw composeError(`env file ${f.path} not found: stat ${f.path}: no such file or directory`, { file: f.path }, '');
          warnings.push({ message: `env file ${f.path} not found, ignored (required: false)` });
          continue;
        }
        let vars: Map<string, string>;
        try {
          vars = parseEnvFileText(text, f.format, (k) => (Object.hasOwn(projectEnv, k) ? projectEnv[k] : (s.environment?.[k] ?? undefined)));
        } catch (err) {
          throw composeError(`failed to read ${f.path}: ${(err as Error).message}`, { file: f.path });
        }
        for (const [k, v] of vars) fromFiles[k] = v;
      }
      s.environment = { ...fromFiles, ...s.environment };
      delete s.env_file;
    }
    if (s.label_file !== undefined) {
      const labels: Record<string, string> = {};
      for (const f of s.label_file) {
        const text = readFile(f);
        if (text === undefined) throw composeError(`label file ${f} not found`, { file: f });
        for (const [k, v] of parseDotenv(text, (k) => labels[k])) labels[k] = v;
      }
      s.labels = { ...labels, ...s.labels };
      delete s.label_file;
    }
  }
}

/**
 * Keeps `names` and what they depend on (transitively), unless `withDependencies` is false; the others move to
 * `disabledServices` and dependencies on them are dropped (compose-go WithSelectedServices).
 * @throws ComposeError `no such service: x`
 */
export function selectServices(project: Project, names: readonly string[], withDependencies = true): void {
  if (names.length === 0) return;
  const keep = new Set<string>();
  const visit = (n: string, required: boolean): void => {
    if (keep.has(n)) return;
    if (!(n in project.services)) {
      if (required) throw composeError(`no such service: ${n}`);
      return;
    }
    keep.add(n);
    if (!withDependencies) return;
    for (const [d, cfg] of Object.entries(project.services[n]!.depends_on ?? {})) visit(d, cfg.required);
  };
  for (const n of names) visit(n, true);
  for (const [n, s] of Object.entries(project.services)) {
    if (keep.has(n)) {
      if (s.depends_on !== undefined) {
        for (const d of Object.keys(s.depends_on)) if (!keep.has(d)) delete s.depends_on[d];
      }
      continue;
    }
    delete project.services[n];
    project.disabledServices[n] = s;
  }
}
