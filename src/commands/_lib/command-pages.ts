/**
 * The command tree flattened into documentation pages, for the man page and Markdown generators: one page per
 * visible group and command, in tree order, with its canonical path, the flags of the groups around it, and the
 * other paths that reach the same command.
 *
 * A top-level shorthand (`nerdctl run`) is an {@link aliasOf} copy of a group command (`nerdctl container run`): both
 * share one handler. The longest path is the canonical one; the others are shorthand pages pointing to it.
 */
import type { RootSpec } from './argv.js';
import type { AnySpec, CommandSpec, FlagSpecs, GroupSpec } from './spec.js';

export interface CommandPage {
  /** Command words after the program name (`['container', 'run']`). */
  readonly path: readonly string[];
  readonly spec: CommandSpec | GroupSpec;
  /** Flags of the enclosing groups, accepted by this command too (compose's `-f`), by group path. */
  readonly groupFlags: readonly { readonly path: readonly string[]; readonly flags: FlagSpecs }[];
  /** For a shorthand: the canonical path of the command it stands for. */
  readonly shorthandOf?: readonly string[];
  /** Every other way to type the command: shorthands, the canonical path, and name aliases (`container ps`). */
  readonly otherPaths: readonly (readonly string[])[];
}

/** `nerdctl-container-run`: the page name for a path. */
export function pageName(programName: string, path: readonly string[]): string {
  return [programName, ...path].join('-');
}

/** The visible groups and commands of the tree as pages, parents before children. */
export function commandPages(root: RootSpec): CommandPage[] {
  interface Entry {
    path: string[];
    spec: AnySpec;
    groupFlags: { path: string[]; flags: FlagSpecs }[];
  }
  const entries: Entry[] = [];
  const walk = (items: readonly AnySpec[], prefix: string[], groupFlags: Entry['groupFlags']) => {
    for (const spec of items) {
      if (spec.hidden === true) continue;
      const path = [...prefix, spec.name];
      entries.push({ path, spec, groupFlags });
      if (spec.kind === 'group') {
        walk(spec.commands, path, spec.flags !== undefined ? [...groupFlags, { path, flags: spec.flags }] : groupFlags);
      }
    }
  };
  walk(root.commands, [], []);

  // Commands reachable under several paths share their handler.
  const byHandler = new Map<unknown, Entry[]>();
  for (const e of entries) {
    if (e.spec.kind !== 'command') continue;
    const list = byHandler.get(e.spec.handler) ?? [];
    list.push(e);
    byHandler.set(e.spec.handler, list);
  }
  const canonicalOf = (e: Entry): Entry => {
    if (e.spec.kind !== 'command') return e;
    const same = byHandler.get(e.spec.handler)!;
    return same.reduce((best, x) => (x.path.length > best.path.length ? x : best), same[0]!);
  };

  return entries.map((e): CommandPage => {
    const withAliases = (x: Entry) => [x.path, ...(x.spec.aliases ?? []).map((a) => [...x.path.slice(0, -1), a])];
    const canonical = canonicalOf(e);
    const same = e.spec.kind === 'command' ? byHandler.get(e.spec.handler)! : [e];
    const own = e.path.join(' ');
    const otherPaths = same.flatMap(withAliases).filter((p) => p.join(' ') !== own);
    return {
      path: e.path,
      spec: e.spec,
      groupFlags: e.groupFlags,
      ...(canonical !== e ? { shorthandOf: canonical.path } : {}),
      otherPaths: [...new Map(otherPaths.map((p) => [p.join(' '), p])).values()],
    };
  });
}

/** The visible children of a group page, as pages. */
export function childPages(pages: readonly CommandPage[], parent: readonly string[]): CommandPage[] {
  return pages.filter((p) => p.path.length === parent.length + 1 && parent.every((w, i) => p.path[i] === w));
}
