/**
 * The image config a stage accumulates: what FROM starts it with, what each metadata instruction does to it, and
 * the config file and manifest the final stage is stored as. Pure: the executor (execute.ts) owns the effects.
 *
 * Docker's rules (BuildKit's dispatcher, checked against `docker build`):
 * - a stage starts from its base image's config (known fields only, in Docker's order) with `OnBuild` cleared
 *   (triggers are not inherited by grandchildren), and from an empty config for `scratch`;
 * - `ENTRYPOINT` clears an inherited `Cmd` unless this stage set CMD before it; `CMD []` stores null;
 * - shell forms are stored wrapped in the current SHELL (`["/bin/sh","-c", text]`);
 * - `LABEL` merges with inherited labels, `EXPOSE` and `VOLUME` add keys, `ONBUILD` appends;
 * - history keeps the base image's entries and adds one per instruction (none for ONBUILD), metadata-only
 *   ones with `empty_layer: true`.
 */
import type { Digest } from '../engine/digest.js';
import type { HistoryEntry, ImageConfigFile, ImageRuntimeConfig, Manifest } from '../engine/images/manifest.js';
import { MediaTypes, type Descriptor } from '../engine/remotes/types.js';
import { createdBy, HISTORY_COMMENT, type CreatedByContext } from './history.js';
import { configCommand, DEFAULT_SHELL, normalizeWorkdir } from './run-command.js';
import type { ResolvedInstruction } from './stage-env.js';

/** The platform part of a config. */
export interface ConfigPlatform {
  architecture: string;
  os: string;
  variant?: string;
}

/** A stage's image config while it is being built. */
export interface ConfigState {
  config: ImageRuntimeConfig;
  platform: ConfigPlatform;
  author?: string;
  history: HistoryEntry[];
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
}

/** The fields of a runtime config an image keeps, in the order Docker writes them. */
const FIELDS = [
  'User',
  'ExposedPorts',
  'Env',
  'Entrypoint',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Labels',
  'StopSignal',
  'ArgsEscaped',
  'Healthcheck',
  'OnBuild',
  'Shell',
] as const;

/** Go marshals maps with sorted keys: so do we, for the config's map fields. */
const MAP_FIELDS = new Set<string>(['ExposedPorts', 'Volumes', 'Labels']);

function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k] as T;
  return out;
}

/** A runtime config reduced to the fields an image keeps, in Docker's order, empty values dropped. */
export function normalizeRuntimeConfig(c: ImageRuntimeConfig | undefined): ImageRuntimeConfig {
  const out: ImageRuntimeConfig = {};
  if (c === undefined || c === null) return out;
  for (const f of FIELDS) {
    const v = c[f];
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    const copy = structuredClone(v);
    (out as Record<string, unknown>)[f] = MAP_FIELDS.has(f) ? sortedKeys(copy as Record<string, unknown>) : copy;
  }
  return out;
}

/** The state a stage starts from: the base image's config (undefined for scratch) on `platform`. */
export function initialConfigState(base: ImageConfigFile | undefined, platform: ConfigPlatform): ConfigState {
  const config = normalizeRuntimeConfig(base?.config);
  delete config.OnBuild;
  return {
    config,
    platform: base !== undefined ? { architecture: base.architecture, os: base.os, ...(base.variant !== undefined ? { variant: base.variant } : {}) } : { ...platform },
    ...(base?.author !== undefined && base.author !== '' ? { author: base.author } : {}),
    history: (base?.history ?? []).map((h) => ({ ...h })),
    cmdSet: false,
  };
}

/** A copy of a state for a stage built FROM another stage (its own history and config; `cmdSet` resets). */
export function forkConfigState(s: ConfigState): ConfigState {
  const config = structuredClone(s.config);
  delete config.OnBuild;
  return { config, platform: { ...s.platform }, ...(s.author !== undefined ? { author: s.author } : {}), history: s.history.map((h) => ({ ...h })), cmdSet: false };
}

/** The shell for shell forms: SHELL, else the config's, else `/bin/sh -c`. */
export function currentShell(s: ConfigState): string[] {
  return s.config.Shell !== undefined && s.config.Shell.length > 0 ? [...s.config.Shell] : [...DEFAULT_SHELL];
}

/** The working directory (absolute, `/` when unset). */
export function currentWorkdir(s: ConfigState): string {
  const w = s.config.WorkingDir;
  return w === undefined || w === '' ? '/' : w;
}

/**
 * Applies a metadata instruction (everything but RUN, COPY, ADD) to the config. `env` is the stage's image
 * environment after the instruction (ENV changes it). WORKDIR only updates the config here; creating the
 * directory is the executor's. Returns the created_by text of the history entry, or undefined for none.
 */
export function applyMetadata(s: ConfigState, r: ResolvedInstruction, env: readonly string[]): string | undefined {
  const c = s.config;
  const ctx: CreatedByContext = {};
  switch (r.kind) {
    case 'ENV':
      c.Env = [...env];
      break;
    case 'ARG':
      break;
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}) };
      for (const l of r.labels) c.Labels[l.key] = l.value;
      break;
    case 'EXPOSE':
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of r.ports) c.ExposedPorts[p] = {};
      break;
    case 'CMD': {
      const args = configCommand(r.command, currentShell(s));
      c.Cmd = args.length === 0 ? null : args;
      if (c.Cmd === null) delete c.Cmd;
      s.cmdSet = true;
      ctx.args = args;
      break;
    }
    case 'ENTRYPOINT': {
      const args = configCommand(r.command, currentShell(s));
      c.Entrypoint = args;
      if (!s.cmdSet) delete c.Cmd;
      ctx.args = args;
      break;
    }
    case 'WORKDIR':
      c.WorkingDir = normalizeWorkdir(currentWorkdir(s), r.path);
      ctx.workdir = c.WorkingDir;
      break;
    case 'USER':
      c.User = r.user;
      if (r.user === '') delete c.User;
      break;
    case 'VOLUME':
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of r.volumes) c.Volumes[v] = {};
      break;
    case 'STOPSIGNAL':
      c.StopSignal = r.signal;
      break;
    case 'HEALTHCHECK': {
      const h = r.health;
      const hc: NonNullable<ImageRuntimeConfig['Healthcheck']> = { Test: [...h.test] };
      if (h.interval) hc.Interval = h.interval;
      if (h.timeout) hc.Timeout = h.timeout;
      if (h.startPeriod) hc.StartPeriod = h.startPeriod;
      if (h.startInterval) hc.StartInterval = h.startInterval;
      if (h.retries) hc.Retries = h.retries;
      c.Healthcheck = hc;
      break;
    }
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), r.expression];
      break;
    case 'SHELL':
      c.Shell = [...r.shell];
      break;
    case 'MAINTAINER':
      s.author = r.maintainer;
      break;
    case 'RUN':
    case 'COPY':
    case 'ADD':
      throw new Error(`applyMetadata: ${r.kind} is not a metadata instruction`);
  }
  return createdBy(r, ctx);
}

/** Appends a history entry. */
export function addHistory(s: ConfigState, entry: { createdBy: string; created: Date; emptyLayer: boolean }): void {
  s.history.push({
    created: entry.created.toISOString(),
    created_by: entry.createdBy,
    comment: HISTORY_COMMENT,
    ...(entry.emptyLayer ? { empty_layer: true } : {}),
  });
}

/** The config file of a finished stage, as stored (Docker's key order). `extraLabels` are `--label` values. */
export function configFile(
  s: ConfigState,
  opts: { diffIds: readonly Digest[]; created: Date; extraLabels?: Readonly<Record<string, string>> },
): ImageConfigFile {
  const config = normalizeRuntimeConfig(s.config);
  if (opts.extraLabels !== undefined && Object.keys(opts.extraLabels).length > 0) {
    const merged = { ...(config.Labels ?? {}), ...opts.extraLabels };
    // Keep Docker's field order: rebuild with Labels in its place.
    const withLabels: ImageRuntimeConfig = {};
    for (const f of FIELDS) {
      if (f === 'Labels') withLabels.Labels = sortedKeys(merged);
      else if (config[f] !== undefined) (withLabels as Record<string, unknown>)[f] = config[f];
    }
    return assemble(s, withLabels, opts);
  }
  return assemble(s, config, opts);
}

function assemble(s: ConfigState, config: ImageRuntimeConfig, opts: { diffIds: readonly Digest[]; created: Date }): ImageConfigFile {
  return {
    created: opts.created.toISOString(),
    ...(s.author !== undefined ? { author: s.author } : {}),
    architecture: s.platform.architecture,
    os: s.platform.os,
    ...(s.platform.variant !== undefined ? { variant: s.platform.variant } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: [...opts.diffIds] },
    history: s.history.map((h) => ({ ...h })),
  };
}

/** Docker schema 2 or OCI, and the media types that go with it. */
export type ManifestFormat = 'docker' | 'oci';

const DOCKER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
const GZIP_TYPES = new Set<string>([MediaTypes.dockerLayerGzip, MediaTypes.ociLayerGzip]);
const TAR_TYPES = new Set<string>([DOCKER_TAR, MediaTypes.ociLayer]);

/**
 * The manifest format for these layers: Docker schema 2 (what `docker build` stores) when every layer is a gzip
 * or plain tar, which both formats can name; else OCI (zstd layers have no Docker media type).
 */
export function manifestFormat(layers: readonly Descriptor[]): ManifestFormat {
  return layers.every((l) => GZIP_TYPES.has(l.mediaType) || TAR_TYPES.has(l.mediaType)) ? 'docker' : 'oci';
}

/** Layer descriptors with the media types of `format` (the same bytes have a name in both). */
export function layersFor(format: ManifestFormat, layers: readonly Descriptor[]): Descriptor[] {
  return layers.map((l) => {
    let mediaType = l.mediaType;
    if (GZIP_TYPES.has(l.mediaType)) mediaType = format === 'docker' ? MediaTypes.dockerLayerGzip : MediaTypes.ociLayerGzip;
    else if (TAR_TYPES.has(l.mediaType)) mediaType = format === 'docker' ? DOCKER_TAR : MediaTypes.ociLayer;
    return { mediaType, digest: l.digest, size: l.size };
  });
}

/** The manifest createImage (engine/images/create.ts) writes for these inputs, and its bytes. */
export function manifestOf(format: ManifestFormat, config: Descriptor, layers: readonly Descriptor[]): { manifest: Manifest; bytes: Buffer } {
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: format === 'docker' ? MediaTypes.dockerManifest : MediaTypes.ociManifest,
    config,
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  return { manifest, bytes: Buffer.from(JSON.stringify(manifest)) };
}
