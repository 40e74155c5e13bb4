/**
 * compose's `build:` sections through the in-process builder (src/build's buildImage), with BuildKit's plain
 * progress on stderr unless quiet. Kept in its own module so commands that never build do not load the builder.
 * The builder's dependencies are opened once per invocation and shared by parallel builds (they share the cache).
 */
import type { BuildDeps } from '../../build/index.js';
import type { BuildOutput, ComposeBuildRequest } from '../../compose/backend.js';
import type { OpContext } from '../../engine/op-context.js';
import type { CommandContext } from '../_lib/context.js';

const depsByCtx = new WeakMap<CommandContext, Promise<BuildDeps>>();

/** Builds one service image; returns the image id. */
export async function buildForCompose(ctx: CommandContext, op: OpContext, req: ComposeBuildRequest, output?: BuildOutput): Promise<string> {
  const [{ buildImage }, { openBuildDeps }, { plainRenderer }] = await Promise.all([
    import('../../build/index.js'),
    import('../build/deps.js'),
    import('../build/progress-plain.js'),
  ]);
  let deps = depsByCtx.get(ctx);
  if (deps === undefined) {
    deps = openBuildDeps(ctx);
    depsByCtx.set(ctx, deps);
  }
  const renderer = output !== undefined && !req.quiet ? plainRenderer((t) => output(t)) : undefined;
  try {
    const r = await buildImage(op, await deps, {
      context: req.context,
      ...(req.dockerfileInline !== undefined ? { dockerfileInline: req.dockerfileInline } : req.dockerfile !== undefined ? { dockerfile: req.dockerfile } : {}),
      cwd: req.context,
      tags: req.tags,
      buildArgs: req.args,
      ...(req.target !== undefined ? { target: req.target } : {}),
      ...(req.platform !== undefined ? { platform: req.platform } : {}),
      noCache: req.noCache,
      ...(req.noCacheFilter !== undefined ? { noCacheFilter: req.noCacheFilter } : {}),
      pull: req.pull,
      labels: req.labels,
      ...(req.network !== undefined ? { network: req.network } : {}),
      env: ctx.env,
      ...(renderer !== undefined ? { onProgress: (e) => renderer.onEvent(e) } : {}),
    });
    return r.id;
  } finally {
    renderer?.finish();
  }
}
