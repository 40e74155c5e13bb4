/**
 * IPv4/IPv6 addresses and CIDR prefixes as bigints: parsing, formatting, containment, overlap and the "next
 * subnet" walk used for default subnet allocation. Pure; no Node networking.
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A prefix `network/length`; `address` keeps what was written (it may have host bits set). */
export interface Cidr {
  readonly family: IpFamily;
  /** The network address (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
  /** The address as written before the slash. */
  readonly address: bigint;
}

const bitsOf = (family: IpFamily): number => (family === 4 ? 32 : 128);

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    // Leading zeros are ambiguous (octal in some parsers); Go's net.ParseIP rejects them too.
    if (p.length > 1 && p.startsWith('0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl !== -1) {
    if (s.indexOf('::', dbl + 1) !== -1) return undefined;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
      out.push(parseInt(it, 16));
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (h === undefined || t === undefined) return undefined;
  let all: number[];
  if (dbl !== -1) {
    const missing = 8 - h.length - t.length;
    if (missing < 1) return undefined;
    all = [...h, ...new Array<number>(missing).fill(0), ...t];
  } else {
    all = h;
  }
  if (all.length !== 8) return undefined;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses a textual IPv4 or IPv6 address (no brackets, no zone). */
export function parseIp(s: string): IpAddress | undefined {
  if (s.includes(':')) {
    const v = parseIpv6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIpv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function isIp(s: string): boolean {
  return parseIp(s) !== undefined;
}

/** Formats an address; IPv6 in RFC 5952 form (lowercase, longest zero run compressed). */
export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String(Number((value >> sh) & 0xffn))).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Normalises an address string (`0:0::1` -> `::1`); undefined when it is not an address. */
export function normalizeIp(s: string): string | undefined {
  const ip = parseIp(s);
  return ip === undefined ? undefined : formatIp(ip.family, ip.value);
}

function mask(family: IpFamily, prefix: number): bigint {
  const bits = bitsOf(family);
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** Parses `a.b.c.d/n` or `x::/n`. Host bits may be set; `network` has them cleared. */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash === -1) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (ip === undefined || !/^\d{1,3}$/.test(p)) return undefined;
  const prefix = Number(p);
  if (prefix > bitsOf(ip.family)) return undefined;
  return { family: ip.family, prefix, address: ip.value, network: ip.value & mask(ip.family, prefix) };
}

export function cidrToString(c: Pick<Cidr, 'family' | 'network' | 'prefix'>): string {
  return `${formatIp(c.family, c.network)}/${c.prefix}`;
}

/** The number of addresses in the prefix. */
export function cidrSize(c: Pick<Cidr, 'family' | 'prefix'>): bigint {
  return 1n << BigInt(bitsOf(c.family) - c.prefix);
}

/** The last address of the prefix (the IPv4 broadcast address). */
export function cidrLast(c: Cidr): bigint {
  return c.network + cidrSize(c) - 1n;
}

export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  return c.family === ip.family && (ip.value & mask(c.family, c.prefix)) === c.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const m = mask(a.family, p);
  return (a.network & m) === (b.network & m);
}

/** The first usable host address: network + 1 (what Docker and nerdctl use as the default gateway). */
export function firstHost(c: Cidr): bigint {
  return c.prefix >= bitsOf(c.family) - 1 ? c.network : c.network + 1n;
}

/** The last usable host address: the broadcast address - 1 for IPv4, the last address for IPv6. */
export function lastHost(c: Cidr): bigint {
  const last = cidrLast(c);
  if (c.family === 4 && c.prefix < 31) return last - 1n;
  return last;
}

/** The prefix of the same length right after `c`, or undefined past the end of the address space. */
export function nextCidr(c: Cidr): Cidr | undefined {
  const next = c.network + cidrSize(c);
  if (next >= 1n << BigInt(bitsOf(c.family))) return undefined;
  return { family: c.family, prefix: c.prefix, network: next, address: next };
}
