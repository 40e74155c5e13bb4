/**
 * The build service's engine pieces for one CLI invocation: the engine's storage and registry access, plus what
 * only builds need (the build cache, runc, the network layer), created when a build really starts.
 */
import type { BuildDeps } from '../../build/index.js';
import type { CommandContext } from '../_lib/context.js';

/** The build dependencies over `ctx`'s engine (which main closes when the command ends). */
export async function openBuildDeps(ctx: CommandContext): Promise<BuildDeps> {
  const [engine, { createBuildDeps }, { defaultNetworkFromEnv }] = await Promise.all([
    ctx.engine(),
    import('../../build/index.js'),
    import('../network/shared.js'),
  ]);
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
