/**
 * Fixtures for running generated specs with real runc: a busybox root filesystem, a bundle per container built
 * through the same path the containers service uses (flags -> options -> merged image config -> user lookup ->
 * host facts -> buildSpec -> config.json), and cleanup of runc state and cgroups.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type ContainerFlags,
  type ImageConfigInput,
  containerOptionsFromFlags,
  mergeImageConfig,
} from '../../src/engine/containers/options.js';
import { resolveDevice } from '../../src/engine/oci/devices.js';
import { findInitBinary, readHostFacts } from '../../src/engine/oci/host.js';
import type { ResolvedMount } from '../../src/engine/oci/mounts.js';
import { serializeSpec } from '../../src/engine/oci/serialize.js';
import { type BuildSpecResult, buildSpec } from '../../src/engine/oci/spec.js';
import { resolveUser } from '../../src/engine/oci/user.js';
import { hasBinary, isRoot } from '../helpers/cli.js';

export const canRunRunc = isRoot() && hasBinary('runc') && fs.existsSync('/usr/bin/busybox');

export const PASSWD = `root:x:0:0:root:/root:/bin/sh
alice:x:1000:1000:Alice:/home/alice:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`;

export const GROUP = `root:x:0:
wheel:x:10:alice
audio:x:29:alice
alice:x:1000:
staff:x:50:
nogroup:x:65534:
`;

/** Makes a busybox root filesystem in `dir`: /bin/busybox plus relative applet links, /etc/passwd and /etc/group. */
export function makeBusyboxRootfs(dir: string): void {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home/alice', 'mnt']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.copyFileSync('/usr/bin/busybox', path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  const applets = spawnSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const a of applets) {
    if (a === 'busybox') continue;
    fs.symlinkSync('busybox', path.join(dir, 'bin', a));
  }
  fs.writeFileSync(path.join(dir, 'etc/passwd'), PASSWD);
  fs.writeFileSync(path.join(dir, 'etc/group'), GROUP);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  spec: BuildSpecResult['spec'];
}

export interface RuncFixture {
  readonly dir: string;
  readonly rootfs: string;
  /** The `--cgroup-parent` every container of this fixture uses (removed at cleanup). */
  readonly cgroupParent: string;
  /** Builds the spec as the containers service would, for `flags` and `command`, without running it. */
  build(flags?: ContainerFlags, command?: string[], extra?: BuildExtra): BuildSpecResult & { id: string };
  /** Builds the spec and runs the container in the foreground with `runc run`; removes it afterwards. */
  run(flags?: ContainerFlags, command?: string[], extra?: BuildExtra): RunResult;
  /** Deletes every runc container of this fixture and its cgroups (call after each test). */
  reset(): void;
  /** reset(), then removes the fixture's directory. */
  cleanup(): void;
}

export interface BuildExtra {
  image?: ImageConfigInput;
  mounts?: ResolvedMount[];
}

const CGROUP_ROOT = '/sys/fs/cgroup';

function cgroupControllerDirs(): string[] {
  try {
    const st = fs.statfsSync(CGROUP_ROOT);
    if (st.type === 0x63677270) return [CGROUP_ROOT];
  } catch {
    return [];
  }
  return fs
    .readdirSync(CGROUP_ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.isSymbolicLink())
    .map((e) => path.join(CGROUP_ROOT, e.name));
}

/** Removes a cgroup directory tree bottom-up in every hierarchy (only empty cgroups can go). */
export function removeCgroupTree(rel: string): void {
  for (const ctrl of cgroupControllerDirs()) {
    const top = path.join(ctrl, rel);
    const walk = (d: string) => {
      let entries: fs.Dirent[] = [];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
      try {
        fs.rmdirSync(d);
      } catch {
        // still busy or already gone
      }
    };
    walk(top);
  }
}

export function createRuncFixture(): RuncFixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-runc-'));
  const rootfs = path.join(dir, 'rootfs');
  const runcRoot = path.join(dir, 'runc');
  const tag = randomBytes(4).toString('hex');
  const cgroupParent = `nerdctl-oci-test-${tag}`;
  makeBusyboxRootfs(rootfs);
  const files = { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf') };
  fs.writeFileSync(files.hostname, 'ocitest\n');
  fs.writeFileSync(files.hosts, '127.0.0.1\tlocalhost\n');
  fs.writeFileSync(files.resolvConf, 'nameserver 127.0.0.1\n');
  const ids: string[] = [];

  const fixture: RuncFixture = {
    dir,
    rootfs,
    cgroupParent,
    build(flags = {}, command = [], extra = {}) {
      const id = randomBytes(32).toString('hex');
      ids.push(id);
      const options = containerOptionsFromFlags({ 'cgroup-parent': cgroupParent, ...flags }, command, {
        env: { PATH: process.env['PATH'] },
        cwd: dir,
      });
      const config = mergeImageConfig(extra.image ?? { Cmd: ['sh'] }, options);
      const result = buildSpec({
        id,
        namespace: `ocitest${tag}`,
        options,
        config,
        rootfs,
        hostname: options.hostname ?? 'ocitest',
        files,
        network: { kind: 'new' },
        mounts: extra.mounts ?? [],
        user: resolveUser(rootfs, config.user, options.groupAdd),
        devices: options.devices.flatMap(resolveDevice),
        host: readHostFacts({ devices: options.privileged }),
        initBinary: options.initBinary ?? findInitBinary(),
      });
      return { ...result, id };
    },
    run(flags = {}, command = [], extra = {}) {
      const { spec, id } = fixture.build(flags, command, extra);
      const bundle = path.join(dir, 'bundles', id.slice(0, 12));
      fs.mkdirSync(bundle, { recursive: true });
      fs.writeFileSync(path.join(bundle, 'config.json'), serializeSpec(spec));
      const r = spawnSync('runc', ['--root', runcRoot, 'run', '--bundle', bundle, id], {
        encoding: 'utf8',
        timeout: 60_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id], { stdio: 'ignore' });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, spec };
    },
    reset() {
      for (const id of ids.splice(0)) spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id], { stdio: 'ignore' });
      removeCgroupTree(cgroupParent);
    },
    cleanup() {
      fixture.reset();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** The /proc status capability mask for a list of capability names. */
export function capMask(names: readonly string[], known: readonly string[]): string {
  let mask = 0n;
  for (const n of names) mask |= 1n << BigInt(known.indexOf(n));
  return mask.toString(16).padStart(16, '0');
}
