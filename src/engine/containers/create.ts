/**
 * `create`: from a request to a container record, with every side effect undone when a step fails.
 *
 * Order: cheap checks first (name, references to other containers, restart/--rm conflict), then the image (pull
 * per policy), the merged config (`no command specified`), the network request (unknown networks, bad `--ip`),
 * the init binary; only then effects: the rw snapshot, the container directory, volumes and host directories,
 * and last the record (whose insert re-checks the name under the database lock).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { failedPrecondition, invalidArgument } from '../errdefs.js';
import { emitContainerEvent } from '../events/emit.js';
import { generateId, validateContainerName } from '../identifiers.js';
import { findInitBinary } from '../oci/host.js';
import type { OpContext } from '../op-context.js';
import { formatPlatform, parsePlatform } from '../platforms.js';
import { normalizeImageName } from '../reference.js';
import type { ContainerServiceOptions } from './deps.js';
import { openLocalImage, unpackedTop } from './local-image.js';
import { resolveMounts } from './mounts.js';
import { generateName } from './names.js';
import { mergeImageConfig, type ImageConfigInput } from './options.js';
import { containerPaths } from './paths.js';
import { NO_RESTART } from './restart-policy.js';
import { nameInUse } from './store.js';
import type {
  ContainerConfig,
  ContainerNetworkConfig,
  ContainerRecord,
  ContainerState,
  CreateContainerRequest,
  CreateContainerResult,
} from './types.js';

/** The network config with defaults filled in (default bridge network, nothing published). */
export function normalizeNetworkConfig(n: Partial<ContainerNetworkConfig> | undefined): ContainerNetworkConfig {
  return {
    mode: n?.mode ?? { kind: 'bridge', networks: [{ network: 'bridge' }], defaulted: true },
    ports: n?.ports ?? [],
    publishAll: n?.publishAll ?? false,
    expose: n?.expose ?? [],
    dns: n?.dns ?? [],
    dnsSearch: n?.dnsSearch ?? [],
    dnsOptions: n?.dnsOptions ?? [],
    extraHosts: n?.extraHosts ?? [],
  };
}

/** The time as RFC 3339 with nine fraction digits (the record's sortable form). */
export function nowRfc3339Nano(): string {
  const ms = Date.now();
  const sub = String(process.hrtime()[1] % 1_000_000).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 23)}${sub}Z`;
}

/** A fresh state for a created container. */
export function initialState(): ContainerState {
  return {
    status: 'created',
    pid: 0,
    exitCode: 0,
    error: '',
    oomKilled: false,
    startedAt: '',
    finishedAt: '',
    restartCount: 0,
    stoppedByUser: false,
  };
}

function imageName(ref: string): string {
  try {
    return normalizeImageName(ref);
  } catch {
    return ref;
  }
}

export async function createContainer(d: ContainerServiceOptions, ctx: OpContext, req: CreateContainerRequest): Promise<CreateContainerResult> {
  const ns = ctx.namespace;
  const opts = req.options;
  if (req.name !== undefined) {
    validateContainerName(req.name.replace(/^\//, ''));
  }
  const wantedName = req.name?.replace(/^\//, '');
  if (wantedName !== undefined && d.store.nameTaken(ns, wantedName)) {
    throw nameInUse(wantedName, d.store.resolve(ns, wantedName).id);
  }
  const restartPolicy = req.restartPolicy ?? NO_RESTART;
  if (req.autoRemove && restartPolicy.name !== 'no') throw invalidArgument('Conflicting options: --restart and --rm');
  const network = normalizeNetworkConfig(req.network);
  // References to other containers must exist now (Docker checks them at create).
  if (network.mode.kind === 'container') d.store.resolve(ns, network.mode.container);
  if (opts.pid.kind === 'container') d.store.resolve(ns, opts.pid.container);
  if (opts.ipc.kind === 'container') d.store.resolve(ns, opts.ipc.container);
  for (const vf of opts.volumesFrom) d.store.resolve(ns, vf.container);

  const platform = req.platform ? parsePlatform(req.platform) : undefined;
  const policy = req.pull ?? 'missing';
  // An image already here needs neither the image service nor the registry (see local-image.ts).
  let content = policy === 'always' ? undefined : await openLocalImage(d.storage, ctx, req.image, platform);
  if (content === undefined) {
    if (policy !== 'never') req.onPullStart?.();
    content = await (await d.images()).ensure(ctx, req.image, {
      policy,
      ...(platform ? { platform, platforms: [platform] } : {}),
      ...(req.onPullProgress ? { onProgress: req.onPullProgress } : {}),
    });
  }
  const imageConfig = (content.config.config ?? {}) as ImageConfigInput & { Labels?: Record<string, string> | null; ExposedPorts?: Record<string, object> | null };
  const merged = mergeImageConfig(imageConfig, opts);

  if (network.mode.kind !== 'container') {
    const m = network.mode;
    await (await d.network()).validate(ctx, { mode: m, extraHosts: network.extraHosts });
  }
  let initBinary: string | undefined;
  if (opts.init) {
    initBinary = opts.initBinary ?? findInitBinary();
    if (!initBinary) throw failedPrecondition('--init: no init binary found on this host (install tini-static or catatonit)');
  }
  const snapshotterName = d.storage.snapshotterName;
  const localTop = await unpackedTop(d.storage, ctx, snapshotterName, content);
  const { chainId, snapshotter } =
    localTop !== undefined ? { chainId: localTop, snapshotter: snapshotterName } : await (await d.images()).unpack(ctx, content);

  const id = generateId();
  const name = wantedName ?? generateName((n) => d.store.nameTaken(ns, n));
  const paths = containerPaths(d, ns, id);
  const undo: (() => Promise<unknown>)[] = [];
  try {
    const sn = d.storage.snapshotterFor(snapshotter);
    await sn.prepare(ctx, id, content.chainIds.length > 0 ? chainId : undefined);
    undo.push(() => sn.remove(ctx, id));

    const hostname =
      opts.hostname ?? (network.mode.kind === 'host' ? os.hostname() : id.slice(0, 12));
    await mkdir(paths.dir, { recursive: true, mode: 0o710 });
    undo.push(() => rm(paths.dir, { recursive: true, force: true }));
    await writeFile(paths.hostnameFile, `${hostname}\n`, { mode: 0o644 });

    const resolved = await resolveMounts(ctx, {
      options: opts,
      volumeTargets: merged.volumes,
      volumes: d.volumes,
      findContainer: (ref) => d.store.resolve(ns, ref),
    });
    undo.push(() => resolved.undo());

    const exposed = new Set<string>(Object.keys(imageConfig.ExposedPorts ?? {}));
    for (const e of network.expose) exposed.add(e);
    for (const p of network.ports) exposed.add(`${p.containerPort}/${p.protocol}`);

    const labels = { ...(imageConfig.Labels ?? {}), ...(req.labels ?? {}) };
    const config: ContainerConfig = {
      options: opts,
      merged,
      hostname,
      domainname: opts.domainname ?? '',
      network,
      exposedPorts: [...exposed],
      restartPolicy,
      autoRemove: req.autoRemove === true,
      mounts: resolved.mounts,
      attachStdin: req.attach?.stdin ?? false,
      attachStdout: req.attach?.stdout ?? false,
      attachStderr: req.attach?.stderr ?? false,
      stdinOnce: req.stdinOnce ?? false,
      ...(merged.healthcheck ? { healthcheck: merged.healthcheck } : {}),
      runtime: req.runtime ?? d.runtime ?? 'runc',
      warnings: [],
      ...(req.cidfile ? { cidfile: req.cidfile } : {}),
      platform: formatPlatform(content.platform),
      logPath: paths.logFile,
      ...(initBinary ? { initBinary } : {}),
    };
    const record: ContainerRecord = {
      id,
      namespace: ns,
      name,
      image: req.image,
      imageName: imageName(req.image),
      imageId: content.id,
      imageManifest: content.manifestDescriptor.digest as ContainerRecord['imageId'],
      snapshotter,
      snapshotKey: id,
      labels,
      createdAt: nowRfc3339Nano(),
      config,
      state: initialState(),
    };
    // The record and Docker's `create` event commit together.
    d.store.db.write(() => {
      d.store.insert(record);
      emitContainerEvent(d.storage.db, ctx, record, 'create');
    });
    return { id, name, warnings: config.warnings };
  } catch (err) {
    for (const u of undo.reverse()) {
      await u().catch((e: unknown) => ctx.log.warn('create: undo failed', { id, error: e }));
    }
    throw err;
  }
}
