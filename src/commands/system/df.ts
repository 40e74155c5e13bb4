/**
 * `system df`: Docker's disk usage summary (TYPE TOTAL ACTIVE SIZE RECLAIMABLE for images, containers, local
 * volumes and build cache) and, with `-v`, the per-object tables. Sizes are counted the way Docker counts them:
 * images by their unpacked layers (each layer once across images; SHARED SIZE is what an image shares with
 * another), containers by their writable layer, volumes by the apparent size of their files, the build cache by
 * its layers.
 */
import { shortId } from '../../engine/digest.js';
import type { ContainerSummary } from '../../engine/containers/types.js';
import { familiarString, parseReferenceRaw } from '../../engine/reference.js';
import { timeAgo } from '../../util/time.js';
import { goHumanSize, humanSizeWithPrecision } from '../../util/units.js';
import type { CommandContext } from '../_lib/context.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';

/** One image (all names of one image ID). `containers` counts containers of any state made from it. */
export interface DfImage {
  readonly id: string;
  /** Familiar `repo:tag` names; empty for a dangling image. */
  readonly repoTags: readonly string[];
  readonly created: Date | undefined;
  /** Its layers, bottom first: a key that identifies the layer across images (chain ID) and its size. */
  readonly layers: readonly { readonly key: string; readonly size: number }[];
  readonly containers: number;
}

export interface DfContainer {
  readonly summary: ContainerSummary;
  /** Bytes of its writable layer. */
  readonly sizeRw: number;
}

export interface DfVolume {
  readonly name: string;
  readonly size: number;
  /** Containers using it. */
  readonly refCount: number;
}

export interface DfBuildCache {
  readonly id: string;
  readonly description: string;
  readonly size: number;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly inUse: boolean;
  readonly shared: boolean;
}

export interface DiskUsage {
  readonly images: readonly DfImage[];
  readonly containers: readonly DfContainer[];
  readonly volumes: readonly DfVolume[];
  readonly buildCache: readonly DfBuildCache[];
}

/** Per image: its size, the part of it shared with other images; and the size of all distinct layers. Pure. */
export function imageSizes(images: readonly DfImage[]): { layersSize: number; perImage: Map<string, { size: number; shared: number }> } {
  const users = new Map<string, number>();
  const sizes = new Map<string, number>();
  for (const img of images) {
    for (const key of new Set(img.layers.map((l) => l.key))) users.set(key, (users.get(key) ?? 0) + 1);
    for (const l of img.layers) sizes.set(l.key, l.size);
  }
  let layersSize = 0;
  for (const s of sizes.values()) layersSize += s;
  const perImage = new Map<string, { size: number; shared: number }>();
  for (const img of images) {
    let size = 0;
    let shared = 0;
    const seen = new Set<string>();
    for (const l of img.layers) {
      if (seen.has(l.key)) continue;
      seen.add(l.key);
      size += l.size;
      if ((users.get(l.key) ?? 0) > 1) shared += l.size;
    }
    perImage.set(img.id, { size, shared });
  }
  return { layersSize, perImage };
}

/** `12.3MB (45%)` as Docker prints a reclaimable amount (no percentage when the total is 0). Pure. */
export function reclaimableText(reclaimable: number, total: number): string {
  if (total > 0) return `${goHumanSize(reclaimable)} (${Math.trunc((reclaimable * 100) / total)}%)`;
  return goHumanSize(reclaimable);
}

const isActive = (status: string) => status === 'running' || status === 'paused' || status === 'restarting';

/** One summary row, as docker/cli's diskUsage*Context (fields are strings, `{{json .}}` sorts them). */
export interface DfSummaryRow {
  Type: string;
  TotalCount: string;
  Active: string;
  Size: string;
  Reclaimable: string;
}

/** The four summary rows (Docker's formulas, including its reclaimable-images rule). Pure. */
export function summaryRows(du: DiskUsage): DfSummaryRow[] {
  const { layersSize, perImage } = imageSizes(du.images);
  let usedByContainers = 0;
  for (const img of du.images) {
    if (img.containers === 0) continue;
    const s = perImage.get(img.id)!;
    usedByContainers += s.size - s.shared;
  }
  const images: DfSummaryRow = {
    Type: 'Images',
    TotalCount: String(du.images.length),
    Active: String(du.images.filter((i) => i.containers > 0).length),
    Size: goHumanSize(layersSize),
    Reclaimable: reclaimableText(layersSize - usedByContainers, layersSize),
  };

  let cSize = 0;
  let cReclaimable = 0;
  for (const c of du.containers) {
    cSize += c.sizeRw;
    if (!isActive(c.summary.state.status)) cReclaimable += c.sizeRw;
  }
  const containers: DfSummaryRow = {
    Type: 'Containers',
    TotalCount: String(du.containers.length),
    Active: String(du.containers.filter((c) => isActive(c.summary.state.status)).length),
    Size: goHumanSize(cSize),
    Reclaimable: reclaimableText(cReclaimable, cSize),
  };

  let vSize = 0;
  let vReclaimable = 0;
  for (const v of du.volumes) {
    vSize += v.size;
    if (v.refCount === 0) vReclaimable += v.size;
  }
  const volumes: DfSummaryRow = {
    Type: 'Local Volumes',
    TotalCount: String(du.volumes.length),
    Active: String(du.volumes.filter((v) => v.refCount > 0).length),
    Size: goHumanSize(vSize),
    Reclaimable: reclaimableText(vReclaimable, vSize),
  };

  let bSize = 0;
  let bReclaimable = 0;
  for (const b of du.buildCache) {
    if (b.shared) continue;
    bSize += b.size;
    if (!b.inUse) bReclaimable += b.size;
  }
  // Docker prints the build cache's reclaimable amount without a percentage.
  const cache: DfSummaryRow = {
    Type: 'Build Cache',
    TotalCount: String(du.buildCache.length),
    Active: String(du.buildCache.filter((b) => b.inUse).length),
    Size: goHumanSize(bSize),
    Reclaimable: goHumanSize(bReclaimable),
  };
  return [images, containers, volumes, cache];
}

const SUMMARY_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
const SUMMARY_FORMAT = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';

function splitTag(name: string): [string, string] {
  const colon = name.lastIndexOf(':');
  const slash = name.lastIndexOf('/');
  return colon > slash ? [name.slice(0, colon), name.slice(colon + 1)] : [name, '<none>'];
}

/** The `-v` report: the four tables in Docker 20.10's layout. Pure (given `now`). */
export function verboseReport(du: DiskUsage, now = Date.now()): string {
  const { perImage } = imageSizes(du.images);
  const quiet = (r: unknown) => String(r);
  const imageRows = du.images.map((img) => {
    const [repo, tag] = img.repoTags.length > 0 ? splitTag(img.repoTags[0]!) : ['<none>', '<none>'];
    const s = perImage.get(img.id)!;
    return {
      Repository: repo,
      Tag: tag,
      ID: shortId(img.id),
      CreatedSince: img.created !== undefined ? timeAgo(img.created, now) : 'N/A',
      Size: goHumanSize(s.size),
      SharedSize: goHumanSize(s.shared),
      UniqueSize: goHumanSize(s.size - s.shared),
      Containers: String(img.containers),
    };
  });
  const images = formatListing(imageRows, {
    defaultFormat: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}',
    headers: {
      Repository: 'REPOSITORY',
      Tag: 'TAG',
      ID: 'IMAGE ID',
      CreatedSince: 'CREATED',
      Size: 'SIZE',
      SharedSize: 'SHARED SIZE',
      UniqueSize: 'UNIQUE SIZE',
      Containers: 'CONTAINERS',
    },
    quietField: quiet,
  });

  const containerRows = du.containers.map((c) => ({
    ID: c.summary.id.slice(0, 12),
    Image: c.summary.image,
    Command: commandText(c.summary.command),
    LocalVolumes: String(c.summary.volumes.filter((v) => !v.startsWith('/')).length),
    Size: humanSizeWithPrecision(c.sizeRw, 3),
    RunningFor: timeAgo(Date.parse(c.summary.createdAt), now),
    Status: statusText(c.summary, now),
    Names: c.summary.name,
  }));
  const containers = formatListing(containerRows, {
    defaultFormat: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}',
    headers: {
      ID: 'CONTAINER ID',
      Image: 'IMAGE',
      Command: 'COMMAND',
      LocalVolumes: 'LOCAL VOLUMES',
      Size: 'SIZE',
      RunningFor: 'CREATED',
      Status: 'STATUS',
      Names: 'NAMES',
    },
    quietField: quiet,
  });

  const volumes = formatListing(
    du.volumes.map((v) => ({ Name: v.name, Links: String(v.refCount), Size: goHumanSize(v.size) })),
    { defaultFormat: 'table {{.Name}}\t{{.Links}}\t{{.Size}}', headers: { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' }, quietField: quiet },
  );

  let cacheSize = 0;
  for (const b of du.buildCache) if (!b.shared) cacheSize += b.size;
  const cache = formatListing(
    du.buildCache.map((b) => ({
      ID: `${b.id.slice(0, 12)}${b.inUse ? '*' : ''}`,
      CacheType: 'regular',
      Size: goHumanSize(b.size),
      CreatedSince: timeAgo(b.createdAt, now),
      LastUsedSince: timeAgo(b.lastUsedAt, now),
      UsageCount: '1',
      Shared: String(b.shared),
    })),
    {
      defaultFormat: 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}',
      headers: {
        ID: 'CACHE ID',
        CacheType: 'CACHE TYPE',
        Size: 'SIZE',
        CreatedSince: 'CREATED',
        LastUsedSince: 'LAST USED',
        UsageCount: 'USAGE',
        Shared: 'SHARED',
      },
      quietField: quiet,
    },
  );

  return (
    `Images space usage:\n\n${images}` +
    `\nContainers space usage:\n\n${containers}` +
    `\nLocal Volumes space usage:\n\n${volumes}` +
    `\nBuild cache usage: ${goHumanSize(cacheSize)}\n\n${cache}`
  );
}

// --- ps-like columns (docker/cli's container context), kept here so df does not load the ps chunk ---------------

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');
}

function commandText(command: readonly string[]): string {
  const chars = [...command.join(' ')];
  return goQuote(chars.length <= 20 ? chars.join('') : `${chars.slice(0, 19).join('')}…`);
}

function statusText(c: ContainerSummary, now: number): string {
  const s = c.state;
  const ago = (t: string) => timeAgo(Date.parse(t), now).replace(/ ago$/, '');
  switch (s.status) {
    case 'running':
      return `Up ${ago(s.startedAt)}`;
    case 'paused':
      return `Up ${ago(s.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${timeAgo(Date.parse(s.finishedAt), now)}`;
    case 'created':
      return 'Created';
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return s.finishedAt === '' ? `Exited (${s.exitCode})` : `Exited (${s.exitCode}) ${timeAgo(Date.parse(s.finishedAt), now)}`;
  }
}

// --- collecting --------------------------------------------------------------------------------------------------

function familiar(name: string): string | undefined {
  if (name.startsWith('<none>')) return undefined;
  try {
    return familiarString(parseReferenceRaw(name));
  } catch {
    return name;
  }
}

/** Reads what `df` reports from the engine (images, containers, volumes, build cache of this namespace). */
export async function collectDiskUsage(ctx: CommandContext): Promise<DiskUsage> {
  const engine = await ctx.engine();
  const op = ctx.op();
  const [images, svc, volumes] = await Promise.all([engine.images(), engine.containers(), engine.volumes()]);
  const summaries = await svc.list(op, { all: true });

  const containers: DfContainer[] = [];
  for (const c of summaries) {
    let sizeRw = 0;
    try {
      sizeRw = (await svc.size(op, c.id)).rw;
    } catch {
      // no writable layer (being removed): counts as 0
    }
    containers.push({ summary: c, sizeRw });
  }

  const groups = new Map<string, Awaited<ReturnType<typeof images.list>>>();
  for (const r of await images.list(op)) {
    const id = r.summary.id ?? r.target.digest;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  const dfImages: DfImage[] = [];
  for (const [id, records] of groups) {
    const first = records[0]!;
    let layers: { key: string; size: number }[] = [];
    try {
      const content = await images.open(op, first);
      const sizes = first.summary.layerSizes ?? [];
      layers = content.chainIds.map((key, i) => ({ key, size: sizes[i] ?? 0 }));
    } catch {
      // unreadable content: count the recorded size as one unshared layer
      layers = [{ key: id, size: first.summary.size ?? 0 }];
    }
    const created = first.summary.created !== undefined ? new Date(first.summary.created) : undefined;
    dfImages.push({
      id,
      repoTags: records.map((r) => familiar(r.name)).filter((n): n is string => n !== undefined),
      created: created !== undefined && !Number.isNaN(created.getTime()) ? created : undefined,
      layers,
      containers: summaries.filter((c) => c.imageId === id).length,
    });
  }
  dfImages.sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0) || a.id.localeCompare(b.id));

  const { directorySize } = await import('../volume/size.js');
  const dfVolumes: DfVolume[] = [];
  for (const v of await volumes.list(op)) {
    dfVolumes.push({ name: v.name, size: await directorySize(v.mountpoint), refCount: volumes.users(op, v.name).length });
  }

  const dfCache: DfBuildCache[] = [];
  const { createBuildCache } = await import('../../build/cache.js');
  for (const r of createBuildCache(engine.storage.db).list(op.namespace)) {
    dfCache.push({
      id: r.key,
      description: r.description,
      size: r.layer?.bytes ?? 0,
      createdAt: r.createdAt,
      lastUsedAt: r.lastUsedAt,
      inUse: false,
      shared: false,
    });
  }
  return { images: dfImages, containers, volumes: dfVolumes, buildCache: dfCache };
}

export const dfCommand = defineCommand({
  name: 'df',
  summary: 'Show disk usage',
  examples: [
    { command: 'nerdctl system df', description: 'Show the disk space used by images, containers, volumes and build cache' },
    { command: 'nerdctl system df -v', description: 'The usage of each image, container and volume' },
  ],
  flags: {
    format: {
      type: 'string',
      describe: 'Pretty-print images using a Go template',
      complete: { format: ['Type', 'TotalCount', 'Active', 'Size', 'Reclaimable'] },
    },
    verbose: { type: 'boolean', short: 'v', describe: 'Show detailed information on space usage' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const du = await collectDiskUsage(ctx);
    if (flags.verbose) {
      ctx.out.write(verboseReport(du));
      return;
    }
    ctx.out.write(
      formatListing(summaryRows(du), {
        format: flags.format,
        defaultFormat: SUMMARY_FORMAT,
        headers: SUMMARY_HEADERS,
        quietField: (r) => r.Type,
      }),
    );
  },
});
