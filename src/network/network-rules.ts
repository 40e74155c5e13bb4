/**
 * Per-network firewall rules, installed once per network instead of once per container (Docker's way).
 *
 * With nerdctl's bridge conflists the plugin chain does its iptables work for every container: the bridge plugin's
 * `ipMasq` makes a masquerade chain per container, the firewall plugin adds accept rules per container address and
 * re-checks its shared chains, and every plugin runs `iptables --version` and lists whole tables first. That was
 * about 30 iptables executions (100+ ms) per attach and 10 per detach. All of it depends only on the network
 * (bridge device, subnets), so the network layer now does it itself, once per network, in one
 * `iptables-restore --noflush` transaction, and runs the chain with `ipMasq: false` and without `firewall`
 * ({@link runtimeConfList}).
 *
 * Rules (per address family in use by the network; `<br>` the bridge, every rule tagged with the comment
 * `nerdctl network <br>` so it can be found and removed with the network):
 *
 *   filter  FORWARD -j NERDCTL-FORWARD                                (shared; appended, as the firewall plugin does)
 *           NERDCTL-FORWARD  -i <br> ! -o <br> -j NERDCTL-ISOLATION   (inserted first: isolation before any accept)
 *           NERDCTL-ISOLATION -o <br> -j DROP                         (no traffic between two isolated bridges)
 *           NERDCTL-FORWARD  -o <br> --ctstate RELATED,ESTABLISHED -j ACCEPT     replies to the containers
 *           NERDCTL-FORWARD  -o <br> --ctstate DNAT -j ACCEPT         new connections to published ports
 *           NERDCTL-FORWARD  -i <br> -j ACCEPT                        everything the containers send
 *   nat     POSTROUTING -j NERDCTL-POSTROUTING                        (shared)
 *           NERDCTL-POSTROUTING -s <subnet> ! -d 224.0.0.0/4 ! -o <br> -j MASQUERADE   (ff00::/8 for IPv6)
 *
 * This is what the plugins did (firewall: `-s <ip> -j ACCEPT` and `-d <ip> RELATED,ESTABLISHED`, same-bridge
 * isolation; bridge: masquerade unless the destination is the container's own subnet or multicast), keyed by the
 * bridge instead of each address, plus the accept rule for DNAT'ed traffic that attach used to add per container
 * (needed when dockerd has set the FORWARD policy to DROP). The isolation stage-1 rules sit at the top of
 * NERDCTL-FORWARD, so a container on one network cannot reach another network's published ports through the host
 * either, as before.
 *
 * Checking: {@link ensureNetworkRules} reads `iptables-save` once and installs only when a rule is missing (after a
 * reboot, a firewall reload, or for a new network); the caller caches a positive check for the rest of its
 * invocation. Concurrent installers may both add the rules: duplicates are harmless (the first copy decides) and
 * removal deletes every copy. A transaction that loses a race (a rule it deletes is already gone, a chain it
 * creates already exists) fails as a whole and is retried on a fresh dump.
 */
import { failedPrecondition } from '../engine/errdefs.js';
import type { Logger } from '../engine/log.js';
import type { CniConfList, CniPluginConf } from './cni/types.js';
import { parseCidr, type IpFamily } from './ip.js';
import { bridgeRulesScript, deleteLine, parseDump, quoteArg, restore, saveAll, splitRule } from './iptables.js';

export const FORWARD_CHAIN = 'NERDCTL-FORWARD';
export const ISOLATION_CHAIN = 'NERDCTL-ISOLATION';
export const POSTROUTING_CHAIN = 'NERDCTL-POSTROUTING';
const SHARED_COMMENT = 'nerdctl networks';

/** What one bridge network needs from the firewall. */
export interface NetworkRules {
  bridge: string;
  /** The network's subnets (CIDR), both families. */
  subnets: string[];
  /** Masquerade traffic leaving the subnets (the bridge plugin's `ipMasq`). */
  masquerade: boolean;
  /** Accept forwarded traffic from and (replies, DNAT'ed) to the bridge (the firewall plugin's job). */
  forward: boolean;
  /** Drop traffic between this bridge and other isolated ones (the firewall plugin's `same-bridge` policy). */
  isolate: boolean;
}

/** The rules' tag: every rule of the network carries it as its comment. */
export function networkTag(bridge: string): string {
  return `nerdctl network ${bridge}`;
}

function subnetsOf(main: CniPluginConf): string[] {
  const ipam = main.ipam as { ranges?: { subnet?: unknown }[][]; subnet?: unknown } | undefined;
  const out: string[] = [];
  for (const set of ipam?.ranges ?? []) for (const r of set) if (typeof r.subnet === 'string') out.push(r.subnet);
  if (typeof ipam?.subnet === 'string') out.push(ipam.subnet);
  return out;
}

/**
 * The plugin chain to run for a network, and the per-network rules that replace the per-container work it would
 * have done: for a bridge network, the bridge plugin runs with `ipMasq: false` and the `firewall` plugin is left
 * out; masquerading and forwarding become {@link NetworkRules}. Other drivers, and chains the rules cannot stand
 * in for (a firewall plugin with another backend or an unknown ingress policy), are returned unchanged. Pure.
 */
export function runtimeConfList(list: CniConfList): { conflist: CniConfList; rules?: NetworkRules } {
  const [main, ...rest] = list.plugins;
  if (main?.type !== 'bridge') return { conflist: list };
  const firewalls = rest.filter((p) => p.type === 'firewall');
  const replaceable = firewalls.every(
    (p) =>
      (p.backend === undefined || p.backend === 'iptables') &&
      (p.ingressPolicy === undefined || p.ingressPolicy === '' || p.ingressPolicy === 'open' || p.ingressPolicy === 'same-bridge') &&
      (p.iptablesAdminChainName === undefined || p.iptablesAdminChainName === 'CNI-ADMIN'),
  );
  if (!replaceable || (firewalls.length === 0 && main.ipMasq !== true)) return { conflist: list };
  const rules: NetworkRules = {
    bridge: typeof main.bridge === 'string' && main.bridge !== '' ? main.bridge : 'cni0',
    subnets: subnetsOf(main),
    masquerade: main.ipMasq === true,
    forward: firewalls.length > 0,
    isolate: firewalls.some((p) => p.ingressPolicy === 'same-bridge'),
  };
  const plugins = [{ ...main, ipMasq: false }, ...rest.filter((p) => p.type !== 'firewall')];
  return { conflist: { ...list, plugins }, rules };
}

/** The address families the rules touch: IPv4 always (isolation and forwarding), IPv6 when a subnet is IPv6. */
export function rulesFamilies(rules: NetworkRules): IpFamily[] {
  return rules.subnets.some((s) => parseCidr(s)?.family === 6) ? [4, 6] : [4];
}

interface Line {
  table: 'filter' | 'nat';
  chain: string;
  /** The rule as `iptables-save` prints it, without `-A <chain> `. */
  spec: string;
  /** Inserted at the head of the chain rather than appended. */
  first?: boolean;
}

function comment(text: string): string {
  return `-m comment --comment ${quoteArg(text)}`;
}

/** The network's own rules for one family, in `iptables-save`'s canonical form. Pure. */
export function networkRuleLines(rules: NetworkRules, family: IpFamily): Line[] {
  const br = rules.bridge;
  const tag = comment(networkTag(br));
  const out: Line[] = [];
  if (rules.isolate) {
    out.push({ table: 'filter', chain: FORWARD_CHAIN, spec: `-i ${br} ! -o ${br} ${tag} -j ${ISOLATION_CHAIN}`, first: true });
    out.push({ table: 'filter', chain: ISOLATION_CHAIN, spec: `-o ${br} ${tag} -j DROP` });
  }
  if (rules.forward) {
    out.push({ table: 'filter', chain: FORWARD_CHAIN, spec: `-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED ${tag} -j ACCEPT` });
    out.push({ table: 'filter', chain: FORWARD_CHAIN, spec: `-o ${br} -m conntrack --ctstate DNAT ${tag} -j ACCEPT` });
    out.push({ table: 'filter', chain: FORWARD_CHAIN, spec: `-i ${br} ${tag} -j ACCEPT` });
  }
  if (rules.masquerade) {
    const multicast = family === 6 ? 'ff00::/8' : '224.0.0.0/4';
    for (const s of rules.subnets) {
      const c = parseCidr(s);
      if (c === undefined || c.family !== family) continue;
      out.push({ table: 'nat', chain: POSTROUTING_CHAIN, spec: `-s ${s} ! -d ${multicast} ! -o ${br} ${tag} -j MASQUERADE` });
    }
  }
  return out;
}

/** The shared chains and the jumps into them, per table. */
const shared: { table: 'filter' | 'nat'; chain: string; from?: string }[] = [
  { table: 'filter', chain: FORWARD_CHAIN, from: 'FORWARD' },
  { table: 'filter', chain: ISOLATION_CHAIN },
  { table: 'nat', chain: POSTROUTING_CHAIN, from: 'POSTROUTING' },
];

function jumpSpec(chain: string): string {
  return `${comment(SHARED_COMMENT)} -j ${chain}`;
}

function hasTag(rule: string, tag: string): boolean {
  return splitRule(rule).some((w, i, all) => w === tag && all[i - 1] === '--comment');
}

/**
 * The `iptables-restore --noflush` script that makes `dump` hold exactly the network's rules for this family (and
 * the shared chains and jumps), or '' when it already does. Stale or partial rules of the network are deleted and
 * the whole set is written again, in one transaction. Pure; exported for tests.
 */
export function ensureRulesScript(dump: string, rules: NetworkRules, family: IpFamily): string {
  const tables = parseDump(dump);
  const want = networkRuleLines(rules, family);
  const tag = networkTag(rules.bridge);
  const byTable = new Map<string, string[]>();
  const add = (table: string, line: string) => {
    const l = byTable.get(table) ?? [];
    byTable.set(table, l);
    l.push(line);
  };
  let complete = true;
  const usedTables = new Set(want.map((w) => w.table));
  for (const s of shared) {
    if (!usedTables.has(s.table)) continue;
    const t = tables.get(s.table);
    if (!(t?.chains.has(s.chain) ?? false)) {
      complete = false;
      add(s.table, `-N ${s.chain}`);
    }
    if (s.from !== undefined && !(t?.rules.includes(`-A ${s.from} ${jumpSpec(s.chain)}`) ?? false)) {
      complete = false;
      add(s.table, `-A ${s.from} ${jumpSpec(s.chain)}`);
    }
  }
  // The network's current rules, in order per chain, against the wanted ones.
  const have = new Map<string, string[]>();
  for (const [name, t] of tables) {
    for (const r of t.rules) {
      if (hasTag(r, tag)) have.set(name, [...(have.get(name) ?? []), r]);
    }
  }
  const wantSet = (table: string) => want.filter((w) => w.table === table).map((w) => `-A ${w.chain} ${w.spec}`);
  for (const table of new Set([...usedTables, ...have.keys()])) {
    const current = have.get(table) ?? [];
    const wanted = wantSet(table);
    const same = current.length === wanted.length && wanted.every((w) => current.includes(w));
    if (same) continue;
    complete = false;
    for (const r of current) add(table, deleteLine(r));
    for (const w of want.filter((x) => x.table === table)) {
      add(table, w.first === true ? `-I ${w.chain} 1 ${w.spec}` : `-A ${w.chain} ${w.spec}`);
    }
  }
  if (complete) return '';
  let script = '';
  for (const [t, lines] of byTable) script += `*${t}\n${lines.join('\n')}\nCOMMIT\n`;
  return script;
}

/**
 * The script deleting every rule tagged for `bridge` ('' when there is none). With `dropShared`, a shared chain
 * left empty goes too, with the jump into it. Pure; exported for tests.
 */
export function removeRulesScript(dump: string, bridge: string, dropShared = true): string {
  const tables = parseDump(dump);
  const tag = networkTag(bridge);
  let script = '';
  for (const [name, t] of tables) {
    const mine = t.rules.filter((r) => hasTag(r, tag));
    if (mine.length === 0) continue;
    const lines = mine.map(deleteLine);
    const drops: string[] = [];
    for (const s of dropShared ? shared.filter((x) => x.table === name && t.chains.has(x.chain)) : []) {
      const others = t.rules.filter((r) => r.startsWith(`-A ${s.chain} `) && !mine.includes(r));
      if (others.length > 0) continue;
      if (s.from !== undefined) {
        for (const j of t.rules.filter((r) => r === `-A ${s.from} ${jumpSpec(s.chain)}`)) lines.push(deleteLine(j));
      }
      drops.push(`-X ${s.chain}`);
    }
    script += `*${name}\n${[...lines, ...drops].join('\n')}\nCOMMIT\n`;
  }
  return script;
}

const ATTEMPTS = 4;

/**
 * Makes sure the network's rules are in place (see the module comment): one `iptables-save` per family (or a
 * full dump the caller has just read), and one `iptables-restore --noflush` only when something is missing.
 * Returns true when it had to install.
 * @throws failed-precondition when iptables refuses the rules
 */
export async function ensureNetworkRules(
  rules: NetworkRules,
  log?: Logger,
  dumps: Partial<Record<IpFamily, string>> = {},
): Promise<boolean> {
  let installed = false;
  await Promise.all(
    rulesFamilies(rules).map(async (family) => {
      let lastErr = '';
      for (let i = 0; i < ATTEMPTS; i++) {
        const given = i === 0 ? dumps[family] : undefined;
        const script = ensureRulesScript(given ?? (await saveAll(family)), rules, family);
        if (script === '') return;
        const r = await restore(family, script);
        if (r.code === 0) {
          installed = true;
          log?.debug('installed network firewall rules', { bridge: rules.bridge, family });
          return;
        }
        lastErr = r.stderr.trim();
      }
      throw failedPrecondition(`network bridge ${rules.bridge}: install firewall rules: ${lastErr}`);
    }),
  );
  return installed;
}

/**
 * Removes the network's rules, and the shared chains once nothing else uses them, together with the isolation
 * rules the firewall plugin left for the bridge (older attachments; its DEL never removes them); missing rules are
 * fine. One dump and one transaction per family, both families at once. A transaction that fails (a race with
 * another process, or a shared chain still referenced from elsewhere) is retried on a fresh dump, the last time
 * without touching the shared chains.
 */
export async function removeNetworkRules(bridge: string, log?: Logger): Promise<void> {
  await Promise.all(
    ([4, 6] as const).map(async (family) => {
      for (let i = 0; i < ATTEMPTS; i++) {
        const dump = await saveAll(family);
        const script = removeRulesScript(dump, bridge, i < ATTEMPTS - 1) + bridgeRulesScript(dump, bridge);
        if (script === '') return;
        const r = await restore(family, script);
        if (r.code === 0) return;
        if (i === ATTEMPTS - 1) log?.warn('could not remove network firewall rules', { bridge, family, error: r.stderr.trim() });
      }
    }),
  );
}
