/** What the `volume` commands share: the volume service (with container users known) and Docker's row object. */
import type { Volume, VolumeService } from '../../engine/volumes/types.js';
import type { CommandContext } from '../_lib/context.js';
import { joinLabels } from '../network/shared.js';

/**
 * The volume service, with the containers service opened first: it is what tells the volume service which
 * containers use a volume (in-use refusal, `dangling`, prune, LINKS).
 */
export async function openVolumes(ctx: CommandContext): Promise<VolumeService> {
  const engine = await ctx.engine();
  await engine.containers();
  return engine.volumes();
}

/** A `volume ls` row as Docker's formatter.volumeContext shows it. */
export interface VolumeRow {
  Name: string;
  Driver: string;
  Scope: string;
  Mountpoint: string;
  Labels: string;
  /** Containers using it (`N/A` when not computed, as Docker without usage data). */
  Links: string;
  Size: string;
  Label(name: string): string;
}

/** The `volume ls` row of a volume. Pure. */
export function volumeRow(v: Volume, extra: { links?: number; size?: string } = {}): VolumeRow {
  const row = {
    Name: v.name,
    Driver: v.driver,
    Scope: 'local',
    Mountpoint: v.mountpoint,
    Labels: joinLabels(v.labels),
    Links: extra.links === undefined ? 'N/A' : String(extra.links),
    Size: extra.size ?? 'N/A',
  } as VolumeRow;
  Object.defineProperty(row, 'Label', { enumerable: false, value: (name: string) => v.labels[name] ?? '' });
  return row;
}

/** Docker's `volume inspect` object (moby's volume.Volume without cluster fields). Pure. */
export function volumeInspect(v: Volume, usage?: { size: number; refCount: number }): Record<string, unknown> {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: { ...v.labels },
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: { ...v.options },
    Scope: 'local',
    ...(usage !== undefined ? { UsageData: { RefCount: usage.refCount, Size: usage.size } } : {}),
  };
}
