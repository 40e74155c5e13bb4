/** Docker's `volume inspect` object (moby's volume.Volume) for a volume record. Pure. */
import type { Volume } from './types.js';

export interface DockerVolumeInspect {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
}

export function dockerVolumeInspect(v: Volume): DockerVolumeInspect {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: v.anonymous && Object.keys(v.labels).length === 0 ? null : { ...v.labels },
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: v.anonymous && Object.keys(v.options).length === 0 ? null : { ...v.options },
    Scope: 'local',
  };
}
