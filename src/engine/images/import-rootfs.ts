/**
 * `import`: a root filesystem tar (plain or compressed) becomes a one-layer image. The tar is stored as a gzip
 * layer blob (its diffID hashed on the way), the config is Docker's for an import (`comment` and one history entry
 * saying where it came from, `--change` applied), and the layer is unpacked, which also proves the tar is one:
 * a corrupt tar fails there and, like any failure, leaves nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { openDecompressed } from '../archive/compression.js';
import { openWriter } from '../content/helpers.js';
import type { Digest } from '../digest.js';
import { hasCode, invalidArgument } from '../errdefs.js';
import { Nerdctl } from '../labels.js';
import { DEFAULT_LEASE_EXPIRY_MS } from '../leases/with-lease.js';
import type { OpContext } from '../op-context.js';
import { hostPlatform } from '../platforms.js';
import { parseReference } from '../reference.js';
import { MediaTypes, type Descriptor } from '../remotes/types.js';
import { applyChanges } from './changes.js';
import { configBytesOf, createImage, type CreateDeps } from './create.js';
import type { ImageConfigFile } from './manifest.js';
import { finishLease } from './common.js';
import type { ImageContent, ImportOptions } from './types.js';

/** Docker's empty container config (what `docker import` writes as `container_config`). */
const EMPTY_CONTAINER_CONFIG = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

/** The config `docker import` writes, with `changes` applied. Pure. */
export function importConfig(opts: { diffId: Digest; created: Date; changes?: readonly string[]; message?: string; source?: string; platform?: { os: string; architecture: string; variant?: string } }): ImageConfigFile {
  const created = opts.created.toISOString();
  const comment = opts.message !== undefined && opts.message !== '' ? opts.message : `Imported from ${opts.source ?? '-'}`;
  const runtime = applyChanges({ ...EMPTY_CONTAINER_CONFIG }, opts.changes ?? []);
  const p = opts.platform ?? hostPlatform();
  return {
    architecture: p.architecture,
    ...(p.variant !== undefined ? { variant: p.variant } : {}),
    comment,
    config: runtime,
    container_config: { ...EMPTY_CONTAINER_CONFIG },
    created,
    history: [{ created, comment }],
    os: p.os,
    rootfs: { type: 'layers', diff_ids: [opts.diffId] },
  };
}

/** Stores `input` as a gzip layer blob; returns its descriptor and diffID. */
async function storeLayer(ctx: OpContext, deps: CreateDeps, input: Readable): Promise<{ desc: Descriptor; diffId: Digest; size: number }> {
  const decompressed = await openDecompressed(input as AsyncIterable<Buffer>);
  const diff = createHash('sha256');
  let size = 0;
  const plain = Readable.from(
    (async function* () {
      for await (const c of decompressed.chunks) {
        diff.update(c);
        size += c.length;
        yield c;
      }
    })(),
    { objectMode: false },
  );
  const w = await openWriter(deps.storage.content, ctx, { ref: `import-${process.pid}-${randomBytes(6).toString('hex')}` });
  try {
    let written = 0;
    await pipeline(
      plain,
      createGzip(),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          written += chunk.length;
          w.write(chunk).then(() => cb(), cb);
        },
      }),
    );
    if (size === 0) throw invalidArgument('import: the archive is empty');
    const digest = w.digest();
    try {
      await w.commit(written);
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
    }
    return { desc: { mediaType: MediaTypes.ociLayerGzip, digest, size: written }, diffId: `sha256:${diff.digest('hex')}` as Digest, size };
  } finally {
    await w.close();
  }
}

/** Imports a rootfs tar; see the file header. */
export async function importRootfs(ctx: OpContext, deps: CreateDeps, input: Readable, options: ImportOptions = {}): Promise<ImageContent> {
  const lease = await deps.storage.leases.create(ctx, { expiresInMs: DEFAULT_LEASE_EXPIRY_MS, labels: { [Nerdctl.leasePurpose]: 'import' } });
  const lctx: OpContext = { ...ctx, lease: lease.id };
  let outcome: 'ok' | 'failed' | 'canceled' = 'failed';
  try {
    // Check the name and the changes before reading a possibly large tar.
    if (options.name !== undefined && options.name !== '') parseReference(options.name);
    applyChanges({}, options.changes ?? []);
    const layer = await storeLayer(lctx, deps, input);
    const config = importConfig({
      diffId: layer.diffId,
      created: new Date(),
      ...(options.changes !== undefined ? { changes: options.changes } : {}),
      ...(options.message !== undefined ? { message: options.message } : {}),
      ...(options.source !== undefined ? { source: options.source } : {}),
      ...(options.platform !== undefined ? { platform: options.platform } : {}),
    });
    const created = await createImage(lctx, deps, {
      names: options.name !== undefined && options.name !== '' ? [options.name] : [],
      configBytes: configBytesOf(config),
      layers: [layer.desc],
      source: 'import',
      snapshotter: options.snapshotter ?? deps.defaultSnapshotter,
    });
    outcome = 'ok';
    return created;
  } catch (err) {
    if (hasCode(err, 'canceled')) outcome = 'canceled';
    throw err;
  } finally {
    await finishLease(ctx, deps.storage, lease.id, outcome);
  }
}
