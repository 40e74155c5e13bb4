/**
 * The command tree flattened into documentation pages, for the man page and Markdown generators: one page per
 * visible group and command, in tree order, with its canonical path, the flags of the groups around it, and the
 * other paths that reach the same command.
 *
 * A top-level shorthand (`nerdctl run`) is an {@link aliasOf} copy of a group command (`nerdctl container run`): both
 * share one handler and one flags object ({@link sameCommand}). The longest path is the canonical one; the others
 * are shorthand pages pointing to it.
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

/**
 * True when two specs are the same command under different names (`aliasOf` copies): the same handler and the same
 * flags object. The handler alone is not enough: placeholder commands may share one.
 */
export function sameCommand(a: CommandSpec, b: CommandSpec): boolean {
  return a.handler === b.handler && a.flags === b.flags;
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

  // The entries that are the same command as e (e included), in tree order.
  const sameAs = (e: Entry): Entry[] => {
    const spec = e.spec;
    if (spec.kind !== 'command') return [e];
    return entries.filter((x) => x.spec.kind === 'command' && sameCommand(x.spec, spec));
  };

  return entries.map((e): CommandPage => {
    const withAliases = (x: Entry) => [x.path, ...(x.spec.aliases ?? []).map((a) => [...x.path.slice(0, -1), a])];
    const same = sameAs(e);
    const canonical = same.reduce((best, x) => (x.path.length > best.path.length ? x : best), same[0]!);
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
