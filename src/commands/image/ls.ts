/**
 * `images` / `image ls`: Docker 20.10's listing (REPOSITORY TAG [DIGEST] IMAGE ID CREATED SIZE), one row per tag,
 * newest image first. IMAGE ID is the config digest, as Docker shows it (nerdctl shows the manifest digest).
 * Reads the image records only; the config is read only for a `label=` filter.
 */
import { shortId } from '../../engine/digest.js';
import { invalidArgument } from '../../engine/errdefs.js';
import { imageKey } from '../../engine/images/names.js';
import { repoDigests, repoTags } from '../../engine/images/inspect.js';
import type { Image, ImageService } from '../../engine/images/types.js';
import type { OpContext } from '../../engine/op-context.js';
import { formatGoTime, getTimestampDate, timeAgo } from '../../util/time.js';
import { goHumanSize, humanSize } from '../../util/units.js';
import { FilterArgs } from '../_lib/filter.js';
import { formatListing, parseFormat, planListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { imageService } from './shared.js';

/** One image as the listing groups records: every name of one image ID. */
export interface ImageGroup {
  readonly id: string;
  readonly records: readonly Image[];
  readonly created: Date | undefined;
  readonly size: number | undefined;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
}

/** One listing row (the fields `--format` sees, Docker's names). */
export interface ImageRow {
  ID: string;
  Repository: string;
  Tag: string;
  Digest: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  VirtualSize: string;
  SharedSize: string;
  UniqueSize: string;
  Containers: string;
}

/** Groups records by image ID, newest first (ties by ID). Pure. */
export function groupImages(records: readonly Image[]): ImageGroup[] {
  const byKey = new Map<string, Image[]>();
  for (const r of records) byKey.set(imageKey(r), [...(byKey.get(imageKey(r)) ?? []), r]);
  const groups: ImageGroup[] = [];
  for (const [id, rs] of byKey) {
    const created = rs.map((r) => r.summary.created).find((c) => c !== undefined);
    const size = rs.map((r) => r.summary.size).find((s) => s !== undefined);
    groups.push({
      id,
      records: rs,
      created: created !== undefined && !Number.isNaN(Date.parse(created)) ? new Date(created) : undefined,
      size,
      repoTags: repoTags(rs),
      repoDigests: repoDigests(rs),
    });
  }
  return groups.sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0) || a.id.localeCompare(b.id));
}

/** Go's path.Match for reference patterns (`*` stops at `/`). */
export function pathMatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`).test(s);
  } catch {
    return false;
  }
}

/** Docker's reference filter: the pattern against `repo:tag`, then against `repo`. */
export function referenceMatches(pattern: string, tagOrDigest: string): boolean {
  if (pathMatch(pattern, tagOrDigest)) return true;
  const at = tagOrDigest.indexOf('@');
  const colon = tagOrDigest.lastIndexOf(':');
  const slash = tagOrDigest.lastIndexOf('/');
  const repo = at >= 0 ? tagOrDigest.slice(0, at) : colon > slash ? tagOrDigest.slice(0, colon) : tagOrDigest;
  return pathMatch(pattern, repo);
}

function splitRepo(ref: string): [string, string] {
  const at = ref.indexOf('@');
  if (at >= 0) return [ref.slice(0, at), ref.slice(at + 1)];
  const colon = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, ''];
}

/** Rows of one image the way docker/cli's image formatter makes them (tags x digests, digest-only repos). */
export function imageRows(g: ImageGroup, opts: { digests: boolean; noTrunc: boolean; now?: number }): ImageRow[] {
  const id = opts.noTrunc ? g.id : shortId(g.id);
  const base = {
    ID: id,
    CreatedSince: g.created !== undefined ? timeAgo(g.created, opts.now ?? Date.now()) : 'N/A',
    CreatedAt: g.created !== undefined ? formatGoTime(g.created) : '',
    Size: g.size !== undefined ? humanSize(g.size) : 'N/A',
    VirtualSize: g.size !== undefined ? goHumanSize(g.size) : 'N/A',
    SharedSize: 'N/A',
    UniqueSize: 'N/A',
    Containers: 'N/A',
  };
  const tags = new Map<string, string[]>();
  const digests = new Map<string, string[]>();
  for (const t of g.repoTags) {
    const [repo, tag] = splitRepo(t);
    tags.set(repo, [...(tags.get(repo) ?? []), tag]);
  }
  for (const d of g.repoDigests) {
    const [repo, dg] = splitRepo(d);
    digests.set(repo, [...(digests.get(repo) ?? []), dg]);
  }
  const rows: ImageRow[] = [];
  for (const [repo, ts] of [...tags].sort((a, b) => a[0].localeCompare(b[0]))) {
    const ds = digests.get(repo) ?? [];
    digests.delete(repo);
    for (const tag of ts) {
      if (opts.digests && ds.length > 0) for (const d of ds) rows.push({ ...base, Repository: repo, Tag: tag, Digest: d });
      else rows.push({ ...base, Repository: repo, Tag: tag, Digest: opts.digests ? (ds[0] ?? '<none>') : '<none>' });
    }
  }
  for (const [repo, ds] of [...digests].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (opts.digests) for (const d of ds) rows.push({ ...base, Repository: repo, Tag: '<none>', Digest: d });
    else rows.push({ ...base, Repository: repo, Tag: '<none>', Digest: '<none>' });
  }
  if (rows.length === 0) rows.push({ ...base, Repository: '<none>', Tag: '<none>', Digest: '<none>' });
  return rows;
}

/** Applies `--filter` (and the REPOSITORY[:TAG] argument) to the groups; may read configs for `label=`. */
export async function filterImages(
  ctx: OpContext,
  images: ImageService,
  groups: ImageGroup[],
  filters: FilterArgs,
  reference: string | undefined,
): Promise<ImageGroup[]> {
  filters.validate(['dangling', 'label', 'label!', 'before', 'since', 'reference', 'until']);
  const dangling = filters.getStrictBool('dangling');
  const refPatterns = [...filters.get('reference'), ...(reference !== undefined ? [reference] : [])];
  const createdOf = async (ref: string): Promise<number> => {
    const img = await images.get(ctx, ref);
    const g = groups.find((x) => x.records.some((r) => r.name === img.name));
    return g?.created?.getTime() ?? 0;
  };
  let before: number | undefined;
  let since: number | undefined;
  const b = filters.lastValue('before');
  if (b !== undefined) before = await createdOf(b);
  const s = filters.lastValue('since');
  if (s !== undefined) since = await createdOf(s);
  const until = filters.lastValue('until');
  const untilMs = until !== undefined ? getTimestampDate(until).getTime() : undefined;
  const out: ImageGroup[] = [];
  for (const g of groups) {
    const isDangling = g.repoTags.length === 0;
    if (dangling === true && !isDangling) continue;
    if (dangling === false && isDangling) continue;
    const t = g.created?.getTime() ?? 0;
    if (before !== undefined && !(t < before)) continue;
    if (since !== undefined && !(t > since)) continue;
    if (untilMs !== undefined && !(t < untilMs)) continue;
    if (filters.includes('label') || filters.includes('label!')) {
      let labels: Record<string, string> = {};
      try {
        labels = ((await images.open(ctx, g.records[0]!)).config.config?.Labels ?? {}) as Record<string, string>;
      } catch {
        // no readable config: no labels
      }
      if (!filters.matchLabels(labels)) continue;
    }
    if (refPatterns.length > 0) {
      const tagsKept = g.repoTags.filter((t) => refPatterns.some((p) => referenceMatches(p, t)));
      const digestsKept = g.repoDigests.filter((d) => refPatterns.some((p) => referenceMatches(p, d)));
      if (tagsKept.length === 0 && digestsKept.length === 0) continue;
      out.push({ ...g, repoTags: tagsKept, repoDigests: digestsKept });
      continue;
    }
    out.push(g);
  }
  return out;
}

export const imageLsCommand = defineCommand({
  name: 'ls',
  aliases: ['list'],
  usage: '[REPOSITORY[:TAG]]',
  summary: 'List images',
  examples: [
    { command: 'nerdctl images', description: 'List the images' },
    { command: 'nerdctl images busybox', description: 'Only the images of the busybox repository' },
    { command: 'nerdctl images --filter dangling=true -q', description: 'The IDs of untagged images' },
  ],
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Show all images (default hides intermediate images)' },
    digests: { type: 'boolean', describe: 'Show digests' },
    filter: { type: 'strings', short: 'f', describe: 'Filter output based on conditions provided', valueName: 'filter' },
    format: { type: 'string', describe: "Pretty-print images using a Go template, e.g. '{{json .}}'", complete: 'format' },
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', describe: 'Only show image IDs' },
  },
  args: { max: 1, complete: ['images:local'] },
  async handler({ flags, args }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { commandPath: ['images'] });
    const digests = flags.digests;
    const defaultFormat = digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    // Fail on a bad template before touching the database.
    const plan = planListing({ format: flags.format, quiet: flags.quiet, defaultFormat });
    if (!plan.quiet) parseFormat(plan.template);
    if (args[0] !== undefined && args[0].trim() === '') throw invalidArgument('invalid reference format');
    const images = await imageService(ctx);
    const op = ctx.op();
    const groups = await filterImages(op, images, groupImages(await images.list(op)), filters, args[0]);
    const now = Date.now();
    const rows = groups.flatMap((g) => imageRows(g, { digests, noTrunc: flags['no-trunc'], now }));
    ctx.out.write(
      formatListing(rows, {
        format: flags.format,
        quiet: flags.quiet,
        defaultFormat,
        headers: {
          ID: 'IMAGE ID',
          Repository: 'REPOSITORY',
          Tag: 'TAG',
          Digest: 'DIGEST',
          CreatedSince: 'CREATED',
          CreatedAt: 'CREATED AT',
          Size: 'SIZE',
          VirtualSize: 'VIRTUAL SIZE',
          SharedSize: 'SHARED SIZE',
          UniqueSize: 'UNIQUE SIZE',
          Containers: 'CONTAINERS',
        },
        quietField: (r) => r.ID,
      }),
    );
  },
});
