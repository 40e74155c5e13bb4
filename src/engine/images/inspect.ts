/**
 * Docker's views of an image, from its config and records: the `image inspect` object (moby's types.ImageInspect,
 * keys in Docker's order so `--format '{{json .Config}}'` prints what Docker prints) and `history` rows.
 * Pure; unit-tested in inspect.test.ts.
 */
import { familiarRepository, familiarString, parseReferenceRaw } from '../reference.js';
import type { HistoryEntry, ImageConfigFile, ImageRuntimeConfig } from './manifest.js';
import { isDanglingName } from './names.js';
import type { ImageRecord } from './store.js';
import type { DockerImageInspect, HistoryRow, ImageContent } from './types.js';

/** Go's zero time as Docker prints it. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * A config in Docker's container.Config shape and key order; optional keys (ExposedPorts, Healthcheck,
 * ArgsEscaped, StopSignal, Shell...) appear only when set, as with Go's `omitempty`.
 */
export function dockerContainerConfig(c: ImageRuntimeConfig | undefined): Record<string, unknown> {
  const cfg = c ?? {};
  const str = (k: string) => (typeof cfg[k] === 'string' ? (cfg[k] as string) : '');
  const bool = (k: string) => cfg[k] === true;
  const orNull = (v: unknown) => (v === undefined ? null : v);
  const out: Record<string, unknown> = {
    Hostname: str('Hostname'),
    Domainname: str('Domainname'),
    User: str('User'),
    AttachStdin: bool('AttachStdin'),
    AttachStdout: bool('AttachStdout'),
    AttachStderr: bool('AttachStderr'),
  };
  if (cfg.ExposedPorts !== undefined && cfg.ExposedPorts !== null && Object.keys(cfg.ExposedPorts).length > 0) {
    out.ExposedPorts = cfg.ExposedPorts;
  }
  out.Tty = bool('Tty');
  out.OpenStdin = bool('OpenStdin');
  out.StdinOnce = bool('StdinOnce');
  out.Env = orNull(cfg.Env);
  out.Cmd = orNull(cfg.Cmd);
  if (cfg.Healthcheck !== undefined && cfg.Healthcheck !== null) out.Healthcheck = cfg.Healthcheck;
  if (cfg.ArgsEscaped === true) out.ArgsEscaped = true;
  out.Image = str('Image');
  out.Volumes = orNull(cfg.Volumes);
  out.WorkingDir = cfg.WorkingDir ?? '';
  out.Entrypoint = orNull(cfg.Entrypoint);
  if (cfg.NetworkDisabled === true) out.NetworkDisabled = true;
  if (typeof cfg.MacAddress === 'string' && cfg.MacAddress !== '') out.MacAddress = cfg.MacAddress;
  out.OnBuild = orNull(cfg.OnBuild);
  out.Labels = orNull(cfg.Labels);
  if (typeof cfg.StopSignal === 'string' && cfg.StopSignal !== '') out.StopSignal = cfg.StopSignal;
  if (typeof cfg.StopTimeout === 'number') out.StopTimeout = cfg.StopTimeout;
  if (Array.isArray(cfg.Shell) && cfg.Shell.length > 0) out.Shell = cfg.Shell;
  return out;
}

/** `busybox:latest` names of the records (tags), sorted; dangling and digest-only names excluded. */
export function repoTags(records: readonly ImageRecord[]): string[] {
  const out = new Set<string>();
  for (const r of records) {
    if (isDanglingName(r.name)) continue;
    try {
      const ref = parseReferenceRaw(r.name);
      if (ref.tag !== undefined) out.add(familiarString({ domain: ref.domain, path: ref.path, tag: ref.tag }));
    } catch {
      // a record name that does not parse is shown nowhere
    }
  }
  return [...out].sort();
}

/** `busybox@sha256:...` digests the registries know the image by, sorted. */
export function repoDigests(records: readonly ImageRecord[]): string[] {
  const out = new Set<string>();
  for (const r of records) {
    if (isDanglingName(r.name)) continue;
    try {
      const ref = parseReferenceRaw(r.name);
      const repo = familiarRepository(ref);
      if (ref.digest !== undefined) out.add(`${repo}@${ref.digest}`);
      if (r.repoDigest !== undefined) out.add(`${repo}@${r.repoDigest}`);
    } catch {
      // ignored as above
    }
  }
  return [...out].sort();
}

/** Nanosecond-precision RFC 3339 of a Date (Docker's LastTagTime format, trailing zeros trimmed). */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z');
}

/** Inputs of {@link dockerInspect}. */
export interface InspectInput {
  readonly content: ImageContent;
  /** Every record of the image. */
  readonly records: readonly ImageRecord[];
  /** Unpacked size in bytes (Docker's Size and VirtualSize). */
  readonly size: number;
  readonly snapshotter: string;
  /** Snapshot directories when known: GraphDriver.Data. */
  readonly graphData?: Record<string, string>;
}

/** The `image inspect` object. */
export function dockerInspect(input: InspectInput): DockerImageInspect {
  const { content, records } = input;
  const config: ImageConfigFile = content.config;
  const tagged = records.filter((r) => r.source !== 'pull' && r.source !== 'push' && !isDanglingName(r.name));
  const lastTag = tagged.length === 0 ? ZERO_TIME : rfc3339(new Date(Math.max(...tagged.map((r) => r.updatedAt.getTime()))));
  return {
    Id: content.id,
    RepoTags: repoTags(records),
    RepoDigests: repoDigests(records),
    Parent: '',
    Comment: typeof config.comment === 'string' ? config.comment : '',
    Created: config.created ?? ZERO_TIME,
    Container: typeof config.container === 'string' ? config.container : '',
    ContainerConfig: dockerContainerConfig(config.container_config),
    DockerVersion: typeof config.docker_version === 'string' ? config.docker_version : '',
    Author: config.author ?? '',
    Config: dockerContainerConfig(config.config),
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    Size: input.size,
    VirtualSize: input.size,
    GraphDriver: { Data: input.graphData ?? null, Name: input.snapshotter },
    RootFS: { Type: config.rootfs.type || 'layers', Layers: [...config.rootfs.diff_ids] },
    Metadata: { LastTagTime: lastTag },
  };
}

/**
 * `docker history` rows, newest first: one per history entry (one per layer when the config has none), with the
 * size of the layer an entry made (0 for `empty_layer` entries). The top row carries the image ID and tags; the
 * others show `<missing>`, as Docker does for images it did not build itself.
 */
export function historyRows(content: ImageContent, layerSizes: readonly number[] | undefined, tags: readonly string[]): HistoryRow[] {
  const entries: HistoryEntry[] =
    content.config.history && content.config.history.length > 0
      ? content.config.history
      : content.diffIds.map(() => ({ created: content.config.created }));
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const h of entries) {
    const empty = h.empty_layer === true;
    const size = empty ? 0 : (layerSizes?.[layer] ?? 0);
    if (!empty) layer++;
    const created = h.created !== undefined ? new Date(h.created) : undefined;
    rows.push({
      id: '<missing>',
      created: created !== undefined && !Number.isNaN(created.getTime()) ? created : undefined,
      createdBy: h.created_by ?? '',
      size,
      comment: h.comment ?? '',
      tags: [],
    });
  }
  rows.reverse();
  if (rows.length > 0) rows[0] = { ...rows[0]!, id: content.id, tags: [...tags] };
  return rows;
}
