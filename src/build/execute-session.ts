/**
 * The resources of one build, created on first need and released, in reverse order, when the build ends however
 * it ends: the lease that protects what the build writes until cache records root it, the private scratch
 * directory (mount points, bundles, secrets, hosts files), the network namespace RUN steps share on the default
 * network, views of stages and images mounted for COPY --from, and the pending cache records.
 *
 * A fully cached build touches none of it: no lease, no directory, no mount, no process.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Digest } from '../engine/digest.js';
import { generateId } from '../engine/identifiers.js';
import type { ImageRecord } from '../engine/images/store.js';
import type { ImageStore } from '../engine/images/store.js';
import { DEFAULT_LEASE_EXPIRY_MS } from '../engine/leases/with-lease.js';
import type { Logger } from '../engine/log.js';
import type { Storage } from '../engine/metadata/storage.js';
import type { NetworkNamespace } from '../engine/oci/spec.js';
import type { OpContext } from '../engine/op-context.js';
import type { Platform } from '../engine/platforms.js';
import type { Snapshotter } from '../engine/snapshots/types.js';
import type { Networking } from '../network/networking.js';
import type { BuildCache, CacheRecord } from './cache.js';
import { createFileHasher, type FileHasher } from './cache-file-hash.js';
import type { ProgressEmitter } from './progress.js';
import { BUILD_HOSTNAME } from './execute-step-env.js';
import type { RuncConfig } from './run-step.js';
import type { ImageProgressEvent } from '../engine/images/types.js';

/** What the executor needs from the engine. */
export interface ExecuteDeps {
  readonly storage: Storage;
  readonly imageStore: ImageStore;
  readonly cache: BuildCache;
  /** The snapshotter steps run on (`overlayfs` or `native`). */
  readonly snapshotter: string;
  /** Runtime state root: the build's scratch directory and runc's state live under it. */
  readonly stateRoot: string;
  readonly runc: { path: string; systemdCgroup?: boolean };
  /** Opens the network layer (RUN steps on the default network). */
  readonly openNetworking?: () => Networking | Promise<Networking>;
  /** Pulls an image into the store (loads the registry client only when called). */
  readonly pull: (ctx: OpContext, ref: string, options: { platform: Platform; onProgress?: (e: ImageProgressEvent) => void }) => Promise<ImageRecord>;
}

/** A secret a build may mount (`--secret id=...,src=...|env=...`), already read. */
export interface BuildSecret {
  id: string;
  value: Buffer;
}

/** See the module comment. */
export class BuildSession {
  /** Also the network endpoint's container ID. */
  readonly id = generateId();
  readonly deps: ExecuteDeps;
  readonly ctx: OpContext;
  readonly progress: ProgressEmitter;
  readonly hasher: FileHasher;
  readonly sn: Snapshotter;
  readonly log: Logger;
  readonly runc: RuncConfig;
  private workDirPath: string | undefined;
  private lease: Promise<string> | undefined;
  private networking: Networking | undefined;
  private attached: Promise<string> | undefined;
  private files: { hosts: string; resolvConf: string; hostNetworkResolvConf: string } | undefined;
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly pending: Omit<CacheRecord, 'lastUsedAt'>[] = [];
  private readonly reused: CacheRecord[] = [];
  private counter = 0;

  constructor(deps: ExecuteDeps, ctx: OpContext, progress: ProgressEmitter) {
    this.deps = deps;
    this.ctx = ctx;
    this.progress = progress;
    this.log = ctx.log;
    this.hasher = createFileHasher(deps.cache);
    this.sn = deps.storage.snapshotterFor(deps.snapshotter);
    this.runc = { path: deps.runc.path, root: path.join(deps.stateRoot, 'runc', ctx.namespace), ...(deps.runc.systemdCgroup === true ? { systemdCgroup: true } : {}) };
  }

  /** A unique small number for names within the build. */
  next(): number {
    return ++this.counter;
  }

  /** The build's private scratch directory (created on first use). */
  get workDir(): string {
    if (this.workDirPath === undefined) {
      this.workDirPath = path.join(this.deps.stateRoot, 'build', `${this.id.slice(0, 16)}-${randomBytes(3).toString('hex')}`);
      mkdirSync(this.workDirPath, { recursive: true, mode: 0o700 });
    }
    return this.workDirPath;
  }

  /** A fresh directory inside the scratch directory. */
  tempDir(prefix: string): string {
    const d = path.join(this.workDir, `${prefix}-${this.next()}`);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }

  /** The operation context with the build's lease (created on first use). */
  async leased(): Promise<OpContext> {
    this.lease ??= this.deps.storage.leases
      .create(this.ctx, { expiresInMs: DEFAULT_LEASE_EXPIRY_MS, labels: { 'nerdctl/lease.purpose': 'build' } })
      .then((l) => l.id);
    return { ...this.ctx, lease: await this.lease };
  }

  /** Registers a release to run when the build ends (last registered, first run). */
  defer(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** A cache record to write when the build ends (or fails: completed steps stay cached). */
  record(r: Omit<CacheRecord, 'lastUsedAt'>): void {
    this.pending.push(r);
  }

  /** A cache record this build reused (its `last_used_at` is refreshed at the end). */
  reuse(r: CacheRecord): void {
    this.reused.push(r);
  }

  /**
   * Mounts a read-only view of committed snapshot `chainId` (a stage's or image's root filesystem) for the rest of
   * the build; undefined `chainId` is an empty root. Returns the mount point.
   */
  async view(chainId: Digest | undefined): Promise<string> {
    const dir = this.tempDir('view');
    if (chainId === undefined) return dir;
    const ctx = await this.leased();
    const { mountAll, unmount } = await import('../engine/mount/mount.js');
    const key = `build-view-${this.id.slice(0, 12)}-${this.next()}`;
    const mounts = await this.sn.view(ctx, key, chainId);
    this.defer(() => this.sn.remove({ ...this.ctx, signal: new AbortController().signal }, key).catch(() => {}));
    await mountAll(mounts, dir);
    this.defer(() => unmount(dir, { recursive: true }).catch(() => unmount(dir, { recursive: true, lazy: true })));
    return dir;
  }

  /** The hosts and resolv.conf files RUN steps get (written once). */
  async runFiles(): Promise<{ hosts: string; resolvConf: string; hostNetworkResolvConf: string }> {
    if (this.files !== undefined) return this.files;
    const { buildHostsFile } = await import('../network/hosts.js');
    const { buildResolvConf, readHostResolvConf } = await import('../network/resolv.js');
    const dir = this.tempDir('etc');
    const host = await readHostResolvConf();
    const hosts = path.join(dir, 'hosts');
    const resolvConf = path.join(dir, 'resolv.conf');
    const hostNetworkResolvConf = path.join(dir, 'resolv.conf.host');
    writeFileSync(hosts, buildHostsFile({ extraHosts: [{ ip: '127.0.0.1', names: [BUILD_HOSTNAME] }] }));
    writeFileSync(resolvConf, buildResolvConf({ hostContent: host.content }));
    writeFileSync(hostNetworkResolvConf, buildResolvConf({ hostContent: host.content, hostNetwork: true }));
    this.files = { hosts, resolvConf, hostNetworkResolvConf };
    return this.files;
  }

  /**
   * The network namespace for a RUN step in `mode`, and the hosts/resolv.conf files that go with it. The default
   * network is joined once per build (one namespace shared by every RUN step, released at the end).
   */
  async network(mode: 'default' | 'none' | 'host'): Promise<{ ns: NetworkNamespace; hosts: string; resolvConf: string }> {
    const files = await this.runFiles();
    if (mode === 'none') return { ns: { kind: 'new' }, hosts: files.hosts, resolvConf: files.resolvConf };
    if (mode === 'host') return { ns: { kind: 'host' }, hosts: files.hosts, resolvConf: files.hostNetworkResolvConf };
    const open = this.deps.openNetworking;
    if (open === undefined) return { ns: { kind: 'new' }, hosts: files.hosts, resolvConf: files.resolvConf };
    this.attached ??= (async () => {
      this.networking = await open();
      const dir = this.tempDir('net');
      const hostsPath = path.join(dir, 'hosts');
      const resolvConfPath = path.join(dir, 'resolv.conf');
      this.defer(async () => {
        try {
          await this.networking!.detach({ ...this.ctx, signal: new AbortController().signal }, this.id);
        } catch (err) {
          this.log.warn(`build: releasing the build network failed: ${(err as Error).message}`);
        }
      });
      const r = await this.networking.attach(this.ctx, {
        containerId: this.id,
        hostname: BUILD_HOSTNAME,
        network: { mode: 'cni', networks: [{ network: 'bridge' }] },
        hostsPath,
        resolvConfPath,
      });
      if (r.netnsPath === undefined) throw new Error('build network: no namespace');
      this.files = { ...files, hosts: hostsPath, resolvConf: resolvConfPath };
      return r.netnsPath;
    })();
    const netns = await this.attached;
    return { ns: { kind: 'path', path: netns }, hosts: this.files!.hosts, resolvConf: this.files!.resolvConf };
  }

  /**
   * Ends the build: writes pending cache records and file-hash memos, releases mounts, snapshots, the network and
   * the lease, and removes the scratch directory. Never throws (failures are logged): the build's own outcome is
   * what the caller reports.
   */
  async close(): Promise<void> {
    const ns = this.ctx.namespace;
    // Releasing must work after a cancellation too: the build's own signal may have fired.
    const quiet: OpContext = { ...this.ctx, signal: new AbortController().signal };
    try {
      this.deps.cache.put(ns, this.pending.splice(0));
      this.deps.cache.touch(ns, this.reused);
      this.hasher.flush();
    } catch (err) {
      this.log.warn(`build: saving the build cache failed: ${(err as Error).message}`);
    }
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        this.log.debug('build cleanup failed', { error: err });
      }
    }
    this.networking?.close();
    if (this.lease !== undefined) {
      try {
        const id = await this.lease;
        await this.deps.storage.leases.delete(quiet, id);
      } catch (err) {
        this.log.debug('build: lease release failed', { error: err });
      }
    }
    if (this.workDirPath !== undefined) rmSync(this.workDirPath, { recursive: true, force: true });
  }
}
