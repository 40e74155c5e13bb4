/**
 * What the CLI injects into the engine for containers: the network provider (src/network, loaded on first use so
 * `ps` never evaluates it), the exit command conmon runs (`internal cleanup <id>` with this invocation's global
 * flags), and the on-demand health-check runner (`internal healthcheck-runner`).
 */
import { resolve } from 'node:path';
import type { ContainerNetworkProvider } from '../../engine/containers/types.js';
import type { EngineOptions } from '../../engine/engine.js';
import type { GlobalOptions } from './context.js';

/** The global flags that point a child CLI process at the same data, state, namespace and networks. */
export function globalArgv(g: GlobalOptions, namespace = g.namespace): string[] {
  const argv = [
    '--data-root',
    resolve(g.dataRoot),
    '--namespace',
    namespace,
    '--snapshotter',
    g.snapshotter,
    '--cgroup-manager',
    g.cgroupManager,
    '--cni-path',
    g.cniPath,
    '--cni-netconfpath',
    g.cniNetconfPath,
  ];
  if (g.hostGatewayIp) argv.push('--host-gateway-ip', g.hostGatewayIp);
  if (g.debug) argv.push('--debug');
  return argv;
}

/** The engine options for containers (spread into openEngine's options). */
export function containerEngineHooks(
  g: GlobalOptions,
  selfCommand: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Pick<EngineOptions, 'containerNetwork' | 'exitCommand' | 'ensureHealthRunner'> {
  let provider: Promise<ContainerNetworkProvider> | undefined;
  const base = globalArgv(g);
  return {
    containerNetwork() {
      provider ??= Promise.all([import('../../network/container-provider.js'), import('../network/shared.js')]).then(([m, shared]) => {
        // Tests (and nerdctl's --bridge-ip users) move the default network with environment variables.
        const defaultNetwork = shared.defaultNetworkFromEnv(env);
        return m.createContainerNetworkProvider({
          dataRoot: resolve(g.dataRoot),
          netconfPath: g.cniNetconfPath,
          cniPath: g.cniPath,
          ...(defaultNetwork ? { defaultNetwork } : {}),
          ...(g.hostGatewayIp ? { hostGatewayIp: g.hostGatewayIp } : {}),
        });
      });
      return provider;
    },
    exitCommand: (id) => [...selfCommand, ...base, 'internal', 'cleanup', id],
    async ensureHealthRunner(namespace) {
      const { healthRunnerAlive } = await import('../../engine/containers/health-runner.js');
      if (healthRunnerAlive(g.stateRoot, namespace)) return;
      // child_process loads on demand: most commands never spawn anything from this module.
      const { spawn } = await import('node:child_process');
      const child = spawn(selfCommand[0]!, [...selfCommand.slice(1), ...globalArgv(g, namespace), 'internal', 'healthcheck-runner'], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, NERDCTL_STATE_ROOT: g.stateRoot },
      });
      child.on('error', () => {});
      child.unref();
    },
  };
}
