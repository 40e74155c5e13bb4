/**
 * Keeps the hosts files of attached containers in step with the endpoint store.
 *
 * Files are rewritten IN PLACE (open, write at offset 0, truncate), never replaced by rename: a container sees its
 * /etc/hosts through a bind mount, and a bind mount pins the inode it was made from. Renaming a new file over the
 * path would give the path a new inode that the container never sees; it would keep reading the old file forever.
 * The price is that a reader inside the container may, for an instant, see a half-written file; writing the whole
 * content with one write() before truncating keeps that window as small as it can be (Docker has the same window).
 *
 * All functions here expect the caller to hold the endpoint store's lock, so rewrites never interleave.
 */
import { open, writeFile } from 'node:fs/promises';
import { isErrno } from '../engine/errdefs.js';
import type { Logger } from '../engine/log.js';
import type { EndpointRecord, EndpointStore } from './endpoint-store.js';
import { managedRecordsFor, replaceManagedRegion, type HostsParticipant } from './hosts.js';

/**
 * Rewrites `path` in place with `update(current)`. Creates it (mode 0644) when `create` is set and it is missing;
 * otherwise a missing file is skipped. Returns whether the file exists afterwards.
 */
export async function rewriteInPlace(
  path: string,
  update: (current: string) => string,
  opts: { create?: boolean } = {},
): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r+');
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    if (!opts.create) return false;
    await writeFile(path, update(''), { mode: 0o644, flag: 'wx' }).catch(async (e: unknown) => {
      if (!isErrno(e, 'EEXIST')) throw e;
      await rewriteInPlace(path, update);
    });
    return true;
  }
  try {
    const current = await fh.readFile('utf8');
    const next = update(current);
    if (next !== current) {
      const buf = Buffer.from(next, 'utf8');
      await fh.write(buf, 0, buf.length, 0);
      await fh.truncate(buf.length);
    }
  } finally {
    await fh.close();
  }
  return true;
}

export function participantOf(rec: EndpointRecord): HostsParticipant {
  return {
    containerId: rec.containerId,
    hostname: rec.hostname,
    ...(rec.domainname ? { domainname: rec.domainname } : {}),
    ...(rec.name ? { name: rec.name } : {}),
    networks: rec.networks
      .filter((n) => n.ipAddress !== undefined || n.ipv6Address !== undefined)
      .map((n) => ({
        networkId: n.networkId,
        networkName: n.networkName,
        isDefault: n.isDefault,
        ...(n.ipAddress ? { ip: n.ipAddress } : {}),
        ...(n.ipv6Address ? { ipv6: n.ipv6Address } : {}),
        aliases: n.aliases,
      })),
  };
}

/** IDs of the containers that share a user (non-default) network with `rec`, `rec` excluded. */
export function peersOf(rec: EndpointRecord, all: readonly EndpointRecord[]): string[] {
  const nets = new Set(rec.networks.filter((n) => !n.isDefault).map((n) => n.networkId));
  if (nets.size === 0) return [];
  return all
    .filter((o) => o.containerId !== rec.containerId && o.networks.some((n) => nets.has(n.networkId)))
    .map((o) => o.containerId);
}

/**
 * Rewrites the managed region of the hosts file of every container in `targets` from the store's attached
 * records. Call inside {@link EndpointStore.withLock}. Files that vanished are skipped.
 */
export async function refreshHostsFiles(store: EndpointStore, targets: Iterable<string>, log?: Logger): Promise<void> {
  const attached = store.all().filter((r) => r.state === 'attached');
  const participants = attached.map(participantOf);
  const want = new Set(targets);
  for (const rec of attached) {
    if (!want.has(rec.containerId) || rec.hostsPath === undefined) continue;
    const managed = managedRecordsFor(participantOf(rec), participants);
    try {
      await rewriteInPlace(rec.hostsPath, (cur) => replaceManagedRegion(cur, managed));
    } catch (err) {
      log?.warn('could not update hosts file', { container: rec.containerId.slice(0, 12), path: rec.hostsPath, error: err });
    }
  }
}
