/**
 * Devices: the `--device` and `--device-cgroup-rule` syntaxes (pure) and the host side of them (stat a device
 * node, walk /dev for `--privileged`), which reads the host and so is kept out of the pure spec builder.
 */
import { readdirSync, realpathSync, statSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { invalidArgument, isErrno } from '../errdefs.js';
import { cleanPath } from './mounts.js';
import type { Device, DeviceCgroupRule } from './types.js';
import { ValueSyntaxError } from './units.js';

/** One `--device` request: `/dev/host[:/dev/ctr][:rwm]`. */
export interface DeviceRequest {
  pathOnHost: string;
  pathInContainer: string;
  /** Subset of `rwm`, each letter at most once. */
  cgroupPermissions: string;
}

/** A device node found on the host, with where it goes in the container. */
export interface ResolvedDevice {
  device: Device;
  permissions: string;
}

function validDeviceMode(mode: string): boolean {
  if (mode === '') return false;
  const seen = new Set<string>();
  for (const c of mode) {
    if (!'rwm'.includes(c) || seen.has(c)) return false;
    seen.add(c);
  }
  return true;
}

/**
 * Parses a `--device` value with Docker's client rules (validateLinuxPath + parseLinuxDevice):
 * `src`, `src:dst`, `src:mode`, `src:dst:mode`; the container path must be absolute. Messages are Docker's:
 * `bad format for path: x`, `bad mode specified: x`, `x is not an absolute path`.
 */
export function parseDevice(text: string): DeviceRequest {
  if ((text.match(/:/g) ?? []).length > 2) throw new ValueSyntaxError(`bad format for path: ${text}`);
  const parts = text.split(':');
  if (parts[0] === '') throw new ValueSyntaxError(`bad format for path: ${text}`);
  const src = parts[0] as string;
  let dst = src;
  let mode = 'rwm';
  if (parts.length === 2) {
    if (validDeviceMode(parts[1] as string)) mode = parts[1] as string;
    else dst = parts[1] as string;
  } else if (parts.length === 3) {
    dst = parts[1] as string;
    mode = parts[2] as string;
    if (!validDeviceMode(mode)) throw new ValueSyntaxError(`bad mode specified: ${mode}`);
  }
  if (dst === '') dst = src;
  if (!dst.startsWith('/')) throw new ValueSyntaxError(`${dst} is not an absolute path`);
  return { pathOnHost: src, pathInContainer: cleanPath(dst), cgroupPermissions: mode };
}

const cgroupRuleRe = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** Parses a `--device-cgroup-rule` (`c 42:* rmw`) into an allow rule; Docker's `invalid device cgroup format`. */
export function parseDeviceCgroupRule(text: string): DeviceCgroupRule {
  const m = cgroupRuleRe.exec(text);
  if (!m) throw new ValueSyntaxError(`invalid device cgroup format '${text}'`);
  const num = (s: string | undefined) => (s === '*' || s === undefined ? undefined : Number(s));
  const rule: DeviceCgroupRule = { allow: true, type: m[1] as 'a' | 'c' | 'b', access: m[4] as string };
  const major = num(m[2]);
  const minor = num(m[3]);
  if (major !== undefined) rule.major = major;
  if (minor !== undefined) rule.minor = minor;
  return rule;
}

/** Linux's dev_t split (glibc gnu_dev_major/minor). */
export function splitDevNumber(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

class NotADevice extends Error {}

/** The device node at `p` (not following a final symlink), or NotADevice. */
function deviceFromPath(p: string): Device {
  const st = lstatSync(p, { bigint: true });
  let type: Device['type'];
  if (st.isCharacterDevice()) type = 'c';
  else if (st.isBlockDevice()) type = 'b';
  else throw new NotADevice('not a device node');
  return {
    type,
    path: p,
    ...splitDevNumber(st.rdev),
    fileMode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/**
 * Looks up a `--device` request on the host (Docker's DevicesFromPath): a symlink is followed, a device node
 * gives one device, a directory gives every device node under it (paths rebased on the container path).
 * Errors are invalid-argument with Docker's text:
 * `error gathering device information while adding custom device "/dev/x": no such file or directory`.
 */
export function resolveDevice(req: DeviceRequest): ResolvedDevice[] {
  let resolved = req.pathOnHost;
  try {
    if (lstatSync(resolved).isSymbolicLink()) resolved = realpathSync(resolved);
  } catch {
    // reported below by deviceFromPath
  }
  const fail = (why: string) =>
    invalidArgument(`error gathering device information while adding custom device "${req.pathOnHost}": ${why}`);
  try {
    const device = deviceFromPath(resolved);
    return [{ device: { ...device, path: req.pathInContainer }, permissions: req.cgroupPermissions }];
  } catch (err) {
    if (!(err instanceof NotADevice)) {
      throw fail(isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message);
    }
  }
  let isDir = false;
  try {
    isDir = statSync(resolved).isDirectory();
  } catch {
    isDir = false;
  }
  const out: ResolvedDevice[] = [];
  if (isDir) {
    for (const p of walk(resolved)) {
      try {
        const d = deviceFromPath(p);
        out.push({
          device: { ...d, path: req.pathInContainer + p.slice(resolved.length) },
          permissions: req.cgroupPermissions,
        });
      } catch {
        // not a device: ignored, as Docker does
      }
    }
  }
  if (out.length === 0) throw fail('not a device node');
  return out;
}

function* walk(dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    yield p;
    if (e.isDirectory()) yield* walk(p);
  }
}

// Directories of /dev that hold per-container or pseudo entries, skipped for --privileged as containerd does.
const skippedDevDirs = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Every character and block device under `root` (default /dev), for `--privileged`. */
export function listHostDevices(root = '/dev'): Device[] {
  const out: Device[] = [];
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!skippedDevDirs.has(e.name)) visit(p);
        continue;
      }
      if (e.name === 'console') continue;
      if (!e.isCharacterDevice() && !e.isBlockDevice()) continue;
      try {
        out.push(deviceFromPath(p));
      } catch {
        // vanished or unreadable: skip
      }
    }
  };
  visit(root);
  return out;
}
