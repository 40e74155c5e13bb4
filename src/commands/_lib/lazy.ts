/**
 * Lazy command handlers for the built CLI.
 *
 * Parsing argv, printing help and answering completion need only the command tree's data (names, flags, usage),
 * never the handlers' code. The build (scripts/build.mjs, scripts/command-manifest.mjs) therefore replaces the
 * command tree the entry imports with a generated manifest: the same specs as plain data, each handler replaced by
 * {@link lazyHandler}, which loads the command's own module only when that command runs. `nerdctl ps` thus never
 * evaluates the compose, build or image code, whatever the command modules import at their top.
 */
import type { CommandContext } from './context.js';
import type { AnySpec, FlagSpecs, ParsedArgs } from './spec.js';

type Handler = (args: ParsedArgs<never>, ctx: CommandContext) => Promise<number | void>;

/**
 * A handler that imports `load()` and calls the handler of the CommandSpec found at `path` in the module's exports
 * (`['psCommand']`, or `['completionCommand', 'commands', 0]` for a command made inside an exported group).
 */
export function lazyHandler(load: () => Promise<Record<string, unknown>>, path: readonly (string | number)[]): Handler {
  return async (args, ctx) => {
    let spec: unknown = await load();
    for (const key of path) spec = (spec as Record<string | number, unknown> | undefined)?.[key];
    const handler = (spec as { handler?: Handler } | undefined)?.handler;
    if (typeof handler !== 'function') throw new Error(`command module has no command at ${path.join('.')}`);
    return handler(args, ctx);
  };
}

/** The manifest's data: specs with `flags` and `handler` as indexes into the shared tables. */
export interface CommandManifest {
  readonly flags: FlagSpecs[];
  /** [index into the loaders, path to the spec in that module's exports] */
  readonly handlers: [number, (string | number)[]][];
  readonly tree: Record<string, unknown>[];
}

/** Rebuilds the command tree from the manifest: shared flags objects and one lazy handler per command. */
export function reviveCommandTree(manifest: CommandManifest, loaders: readonly (() => Promise<Record<string, unknown>>)[]): AnySpec[] {
  const handlers = manifest.handlers.map(([module, path]) => lazyHandler(loaders[module]!, path));
  const revive = (node: Record<string, unknown>): AnySpec => {
    const out: Record<string, unknown> = { ...node };
    if (typeof node.flags === 'number') out.flags = manifest.flags[node.flags];
    if (typeof node.handler === 'number') out.handler = handlers[node.handler];
    if (Array.isArray(node.commands)) out.commands = (node.commands as Record<string, unknown>[]).map(revive);
    return out as unknown as AnySpec;
  };
  return manifest.tree.map(revive);
}
