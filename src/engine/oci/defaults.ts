/**
 * Docker's defaults for a Linux container (moby daemon/pkg/oci/defaults.go and the daemon's create path), as data.
 */
import type { DeviceCgroupRule, Mount } from './types.js';

export { DEFAULT_CAPABILITIES } from './caps.js';

/** The OCI runtime-spec version written in config.json (what runc 1.1 reports). */
export const OCI_VERSION = '1.0.2-dev';

/** PATH given to a container whose image sets none. */
export const DEFAULT_PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `--shm-size` default: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Where `--init` puts the init binary inside the container, as Docker does. */
export const CONTAINER_INIT_PATH = '/sbin/docker-init';

/** Paths hidden from the container (a read-only empty tmpfs or /dev/null over them). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths remounted read-only in the container. */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/**
 * The mounts every container gets before the user's (the `/dev/shm` size is added by the builder from
 * `--shm-size`). Returned fresh on each call so callers may edit them.
 */
export function defaultMounts(): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777'] },
  ];
}

/**
 * The device cgroup rules of an unprivileged container: deny everything, then allow the standard nodes
 * (null, zero, full, random, urandom, tty, console) and explicitly deny fuse. runc adds its own defaults after
 * these (mknod of any node, /dev/pts/*, /dev/ptmx, /dev/net/tun), as it does under Docker. The standard device
 * nodes themselves are created by runc; the spec lists none.
 */
export function defaultDeviceRules(): DeviceCgroupRule[] {
  const allow = (major: number, minor: number): DeviceCgroupRule => ({ allow: true, type: 'c', major, minor, access: 'rwm' });
  return [
    { allow: false, access: 'rwm' },
    allow(1, 5),
    allow(1, 3),
    allow(1, 9),
    allow(1, 8),
    allow(5, 0),
    allow(5, 1),
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
  ];
}

/** Mount destinations a read-only rootfs leaves writable (Docker's list). */
export const WRITABLE_WITH_READONLY_ROOTFS: readonly string[] = ['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev'];
