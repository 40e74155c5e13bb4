/**
 * `internal healthcheck-runner` (hidden): the on-demand health-check process of one namespace. Started detached
 * when a container with a healthcheck starts and no runner is alive; exits when no running container of the
 * namespace has a healthcheck (see engine/containers/health.ts and health-runner.ts).
 */
import { defineCommand } from '../_lib/spec.js';

export const healthcheckRunnerCommand = defineCommand({
  name: 'healthcheck-runner',
  summary: 'Run due healthchecks until no container needs them',
  flags: {},
  args: { max: 0 },
  hidden: true,
  async handler(_args, ctx) {
    const [{ claimHealthRunner, releaseHealthRunner }, { runHealthLoop }, engine] = await Promise.all([
      import('../../engine/containers/health-runner.js'),
      import('../../engine/containers/health.js'),
      ctx.engine(),
    ]);
    const { stateRoot, namespace } = ctx.globals;
    const svc = await engine.containers();
    const deps = svc.deps;
    for (;;) {
      if (!claimHealthRunner(stateRoot, namespace)) return;
      await runHealthLoop(deps, ctx.op());
      releaseHealthRunner(stateRoot, namespace);
      // A container may have started between the last look and the release: look once more.
      const again = (await svc.records(ctx.op())).some((r) => r.state.status === 'running' && r.config.healthcheck?.Test?.[0] !== 'NONE' && (r.config.healthcheck?.Test?.length ?? 0) > 0);
      if (!again || ctx.signal.aborted) return;
    }
  },
});
