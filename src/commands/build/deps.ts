/**
 * The build service's engine pieces for one CLI invocation: the engine's storage and registry access, plus what
 * only builds need (the build cache, runc, the network layer), created when a build really starts.
 */
import type { BuildDeps } from '../../build/index.js';
import type { CommandContext } from '../_lib/context.js';

/**
 * The default network's placement from the environment, as the network commands read it
 * (commands/network/shared.ts; repeated here so a build does not load the network commands' modules).
 */
function defaultNetworkFromEnv(env: Readonly<Record<string, string | undefined>>): { subnet?: string; gateway?: string; bridge?: string } | undefined {
  const out: { subnet?: string; gateway?: string; bridge?: string } = {};
  const pick = (k: 'subnet' | 'gateway' | 'bridge', name: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') out[k] = v;
  };
  pick('subnet', 'NERDCTL_DEFAULT_NETWORK_SUBNET');
  pick('gateway', 'NERDCTL_DEFAULT_NETWORK_GATEWAY');
  pick('bridge', 'NERDCTL_DEFAULT_BRIDGE');
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The build dependencies over `ctx`'s engine (which main closes when the command ends). */
export async function openBuildDeps(ctx: CommandContext): Promise<BuildDeps> {
  const [engine, { createBuildDeps }] = await Promise.all([ctx.engine(), import('../../build/index.js')]);
  const g = ctx.globals;
  const defaultNetwork = defaultNetworkFromEnv(ctx.env);
  return createBuildDeps({
    storage: engine.storage,
    stateRoot: g.stateRoot,
    snapshotter: g.snapshotter,
    hostsDirs: g.hostsDirs,
    insecureRegistries: g.insecureRegistries,
    cniPath: g.cniPath,
    cniNetconfPath: g.cniNetconfPath,
    ...(defaultNetwork !== undefined ? { defaultNetwork } : {}),
    cgroupManager: g.cgroupManager,
    registry: () => engine.registry(),
    log: ctx.log,
  });
}
