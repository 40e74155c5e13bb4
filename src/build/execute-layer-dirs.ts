/**
 * Looking into a committed overlayfs snapshot without mounting it: the directory of its own (topmost) layer, from
 * the snapshot records (`<dataRoot>/snapshots/overlayfs/<id>/fs`, see engine/metadata/storage.ts). Used to answer
 * "does this directory exist?" for WORKDIR cheaply: a path that is a real directory at every component in the top
 * layer is a directory in the merged tree, whatever lies below (overlayfs shows the topmost entry). Any other
 * answer is "unknown", and the caller mounts.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Storage } from '../engine/metadata/storage.js';

/** The top layer directory of committed overlayfs snapshot `name`, or undefined. */
export function topLayerDir(storage: Storage, namespace: string, snapshotter: string, name: string): string | undefined {
  if (snapshotter !== 'overlayfs') return undefined;
  let row: { id: number } | undefined;
  try {
    row = storage.db
      .prepare("SELECT id FROM snapshots WHERE namespace = ? AND snapshotter = 'overlayfs' AND key = ? AND kind = 'committed'")
      .get(namespace, name) as { id: number } | undefined;
  } catch {
    return undefined;
  }
  return row === undefined ? undefined : path.join(storage.dataRoot, 'snapshots', 'overlayfs', String(row.id), 'fs');
}

/** True when every component of `dir` (absolute) is a real directory (not a symlink) in `layer`. */
export function isDirInLayer(layer: string, dir: string): boolean {
  let cur = layer;
  for (const part of dir.split('/').filter((p) => p !== '' && p !== '.')) {
    if (part === '..') return false;
    cur = path.join(cur, part);
    try {
      if (!lstatSync(cur).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}
