import { invalidArgument } from './errdefs.js';

/** An OCI platform: `os/architecture[/variant]`. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

const archAliases: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
  i686: '386',
};

function normalizeArch(arch: string, variant: string | undefined): { architecture: string; variant?: string } {
  const a = archAliases[arch.toLowerCase()] ?? arch.toLowerCase();
  let v = variant?.toLowerCase();
  if (arch.toLowerCase() === 'armhf') v ??= 'v7';
  if (arch.toLowerCase() === 'armel') v ??= 'v6';
  if (a === 'arm64' && (v === 'v8' || v === '8')) v = undefined; // v8 is arm64's only variant: drop it
  if (a === 'arm' && v !== undefined && /^\d$/.test(v)) v = `v${v}`;
  if (a === 'arm') v ??= 'v7';
  if (a === 'amd64' && v === 'v1') v = undefined;
  return v === undefined ? { architecture: a } : { architecture: a, variant: v };
}

/** Normalises a platform the way containerd does (aliases resolved, default variants applied). */
export function normalizePlatform(p: Platform): Platform {
  const { variant: _variant, ...rest } = p;
  return { ...rest, os: p.os.toLowerCase(), ...normalizeArch(p.architecture, p.variant) };
}

/** Parses `linux/amd64`, `linux/arm/v7`, `amd64` (os defaults to linux) or `linux` (arch defaults to the host's). */
export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().split('/');
  if (parts.some((p) => p === '') || parts.length > 3) {
    throw invalidArgument(`invalid platform "${spec}": expected os/arch[/variant]`);
  }
  const [first, arch, variant] = parts as [string, string | undefined, string | undefined];
  const knownOs = ['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'android'];
  if (arch === undefined) {
    if (knownOs.includes(first.toLowerCase())) return { ...hostPlatform(), os: first.toLowerCase() };
    return normalizePlatform({ os: 'linux', architecture: first });
  }
  if (!knownOs.includes(first.toLowerCase())) {
    throw invalidArgument(`invalid platform "${spec}": unknown operating system "${first}"`);
  }
  return normalizePlatform({ os: first, architecture: arch, ...(variant !== undefined ? { variant } : {}) });
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

/** The platform of this machine (`linux/amd64` on these machines). */
export function hostPlatform(): Platform {
  const archMap: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return normalizePlatform({ os: 'linux', architecture: archMap[process.arch] ?? process.arch });
}

/** True when an image for `candidate` can run as `wanted` (exact match after normalisation; arm variants down-compatible). */
export function platformMatches(wanted: Platform, candidate: Platform | undefined): boolean {
  if (candidate === undefined) return false;
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return false;
  if (w.variant === c.variant) return true;
  if (w.architecture === 'arm' && w.variant !== undefined && c.variant !== undefined) {
    return Number(c.variant.slice(1)) <= Number(w.variant.slice(1));
  }
  return false;
}

/**
 * Orders candidates best-first for `wanted`: exact variant before older arm variants. Returns only those that
 * match. Used to pick one manifest from an index.
 */
export function rankPlatforms<T>(wanted: Platform, items: T[], platformOf: (t: T) => Platform | undefined): T[] {
  const w = normalizePlatform(wanted);
  const scored: { item: T; score: number; i: number }[] = [];
  items.forEach((item, i) => {
    const p = platformOf(item);
    if (!platformMatches(w, p)) return;
    const c = normalizePlatform(p!);
    const score = c.variant === w.variant ? 100 : Number(c.variant?.slice(1) ?? 0);
    scored.push({ item, score, i });
  });
  return scored.sort((a, b) => b.score - a.score || a.i - b.i).map((s) => s.item);
}
