/**
 * Linux capabilities: the names the kernel knows, Docker's default set, normalisation of `--cap-add/--cap-drop`
 * values and the effective set a container gets.
 */
import { invalidArgument } from '../errdefs.js';

/** Capability names by number (include/uapi/linux/capability.h), CAP_CHOWN = 0 .. CAP_CHECKPOINT_RESTORE = 40. */
export const KNOWN_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

const known = new Set<string>(KNOWN_CAPABILITIES);

/** Docker's default capability set (moby oci/caps DefaultCapabilities), in Docker's order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** The magic `--cap-add ALL` / `--cap-drop ALL` value. */
export const ALL_CAPABILITIES = 'ALL';

/**
 * Normalises one `--cap-add`/`--cap-drop` value as Docker does: trimmed, upper-cased, `CAP_` prefix added when
 * missing; `ALL` stays `ALL`. Raises invalid-argument `unknown capability: "CAP_X"` for names the kernel does not
 * define.
 */
export function normalizeCapability(value: string): string {
  let c = value.trim().toUpperCase();
  if (c === ALL_CAPABILITIES) return c;
  if (!c.startsWith('CAP_')) c = `CAP_${c}`;
  if (!known.has(c)) throw invalidArgument(`unknown capability: "${c}"`);
  return c;
}

/** {@link normalizeCapability} over a list, without duplicates, in first-seen order. */
export function normalizeCapabilities(values: readonly string[]): string[] {
  return [...new Set(values.map(normalizeCapability))];
}

/**
 * Capability names from a hexadecimal mask as /proc/<pid>/status shows it (`CapBnd: 000001fffeffffff`). Bits the
 * kernel knows but this table does not (newer kernels) are ignored: runc could not name them either.
 */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  return KNOWN_CAPABILITIES.filter((_name, bit) => (mask >> BigInt(bit)) & 1n);
}

export interface CapabilityRequest {
  privileged: boolean;
  /** Normalised (see {@link normalizeCapabilities}); may contain `ALL`. */
  add: readonly string[];
  drop: readonly string[];
}

/**
 * The capability set a container gets, by Docker's rules (moby TweakCapabilities):
 * - `--privileged`: every capability the host has;
 * - `--cap-add ALL`: every host capability except the dropped ones;
 * - `--cap-drop ALL`: only the added ones;
 * - otherwise the defaults, minus drops, plus adds (an add wins over a drop of the same name).
 *
 * `hostCapabilities` is the bounding set of this process (`CapBnd`): runc cannot grant more, so asking for a
 * capability outside it is an invalid-argument error (Docker's wording), and the defaults are silently
 * narrowed to it. The result keeps Docker's order for defaults and the user's order for additions.
 */
export function effectiveCapabilities(req: CapabilityRequest, hostCapabilities: readonly string[]): string[] {
  const host = new Set(hostCapabilities);
  const hostOrdered = KNOWN_CAPABILITIES.filter((c) => host.has(c));
  if (req.privileged) return hostOrdered;
  for (const c of req.add) {
    if (c !== ALL_CAPABILITIES && !host.has(c)) {
      throw invalidArgument(
        `capability not supported by your kernel or not available in the current environment: "${c}"`,
      );
    }
  }
  const drops = new Set(req.drop);
  let caps: string[];
  if (req.add.includes(ALL_CAPABILITIES)) {
    caps = hostOrdered.filter((c) => !drops.has(c));
  } else if (drops.has(ALL_CAPABILITIES)) {
    caps = [...req.add];
  } else {
    caps = DEFAULT_CAPABILITIES.filter((c) => !drops.has(c) && host.has(c));
    caps.push(...req.add);
  }
  return [...new Set(caps)];
}
