/**
 * Exporting a built image to the `--output` destinations that are not the image store (see output.ts for the
 * list): image archives (docker-archive plus OCI layout, or OCI layout alone) streamed from the content store, and
 * the root filesystem as a tar or a directory, read from a read-only view of the image's snapshot. Loaded only
 * when such an output is asked for.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { Digest } from '../engine/digest.js';
import { EngineError, invalidArgument } from '../engine/errdefs.js';
import type { Storage } from '../engine/metadata/storage.js';
import type { OpContext } from '../engine/op-context.js';
import type { Descriptor } from '../engine/remotes/types.js';
import type { BuiltImage } from './execute.js';
import type { OutputSpec } from './output.js';

/** What exporting needs. */
export interface ExportDeps {
  storage: Storage;
  snapshotter: string;
  /** Standard output, for `dest=-`. */
  stdout?: NodeJS.WritableStream;
}

function addFile(p: Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    p.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve()));
  });
}

async function addBlob(ctx: OpContext, storage: Storage, p: Pack, d: { digest: string; size: number }): Promise<void> {
  const src = await storage.content.createReadStream(ctx, { digest: d.digest as Digest, size: d.size });
  const sink = p.entry({ name: `blobs/sha256/${d.digest.slice(7)}`, size: d.size, mode: 0o644, mtime: new Date(0) });
  await pipeline(src, sink);
}

function destStream(deps: ExportDeps, dest: string): Writable {
  if (dest === '-') {
    if (deps.stdout === undefined) throw invalidArgument('output to standard output is not available here');
    return deps.stdout as Writable;
  }
  mkdirSync(path.dirname(path.resolve(dest)), { recursive: true });
  return createWriteStream(dest);
}

/** Writes the image as an OCI layout tar, plus (docker) the docker-archive manifest. */
async function writeImageArchive(ctx: OpContext, deps: ExportDeps, built: BuiltImage, kind: 'docker' | 'oci', dest: string): Promise<void> {
  const { dockerArchiveManifest, ociIndex } = await import('../engine/images/archive-export.js');
  const out = destStream(deps, dest);
  const p = tarPack();
  const done = pipeline(p, out, { end: dest !== '-' });
  const root: Descriptor = {
    ...built.manifestDescriptor,
    platform: { os: built.config.os, architecture: built.config.architecture, ...(built.config.variant !== undefined ? { variant: built.config.variant } : {}) },
  };
  const item = {
    content: { id: built.id, configDescriptor: built.configDescriptor, manifest: { schemaVersion: 2 as const, config: built.configDescriptor, layers: built.layers } },
    names: built.names,
    root,
  };
  await addFile(p, 'oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  await addFile(p, 'index.json', Buffer.from(JSON.stringify(ociIndex([item as never]))));
  if (kind === 'docker') await addFile(p, 'manifest.json', Buffer.from(JSON.stringify(dockerArchiveManifest([item as never]))));
  await addFile(p, `blobs/sha256/${built.manifestDescriptor.digest.slice(7)}`, built.manifestBytes);
  await addFile(p, `blobs/sha256/${built.configDescriptor.digest.slice(7)}`, built.configBytes);
  for (const l of built.layers) await addBlob(ctx, deps.storage, p, l);
  p.finalize();
  await done;
}

function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('cp', ['-a', '--', `${from}/.`, `${to}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve() : reject(new EngineError('internal', `copy to ${to}: ${err.trim()}`))));
  });
}

/** Runs `fn` with the image's root filesystem mounted read-only. */
async function withRootfs<T>(ctx: OpContext, deps: ExportDeps, chainId: Digest | undefined, scratch: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const { mountAll, unmount } = await import('../engine/mount/mount.js');
  const dir = path.join(scratch, `export-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  if (chainId === undefined) return fn(dir);
  const sn = deps.storage.snapshotterFor(deps.snapshotter);
  const lease = await deps.storage.leases.create(ctx, { expiresInMs: 60 * 60 * 1000, labels: { 'nerdctl/lease.purpose': 'build export' } });
  const lctx = { ...ctx, lease: lease.id };
  const key = `build-export-${path.basename(dir)}`;
  try {
    const mounts = await sn.view(lctx, key, chainId);
    await mountAll(mounts, dir);
    try {
      return await fn(dir);
    } finally {
      await unmount(dir, { recursive: true });
    }
  } finally {
    await sn.remove(ctx, key).catch(() => {});
    await deps.storage.leases.delete(ctx, lease.id).catch(() => {});
  }
}

/** Exports `built` to every output that is not the image store. */
export async function exportOutputs(ctx: OpContext, deps: ExportDeps, built: BuiltImage, outputs: readonly OutputSpec[], scratchDir: string): Promise<void> {
  for (const o of outputs) {
    if (o.type === 'image' || (o.type === 'docker' && o.dest === undefined)) continue;
    const dest = o.dest!;
    if (o.type === 'docker' || o.type === 'oci') {
      await writeImageArchive(ctx, deps, built, o.type, dest);
    } else if (o.type === 'tar') {
      const { writeTree } = await import('../engine/archive/write-tree.js');
      await withRootfs(ctx, deps, built.chainId, scratchDir, async (dir) => {
        const out = destStream(deps, dest);
        await writeTree(dir, out, { end: dest !== '-' });
      });
    } else if (o.type === 'local') {
      mkdirSync(dest, { recursive: true });
      await withRootfs(ctx, deps, built.chainId, scratchDir, (dir) => copyTree(dir, path.resolve(dest)));
    }
  }
}

