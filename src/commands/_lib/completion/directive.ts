/**
 * cobra's ShellCompDirective: the bit flags `__complete` prints on its last line (`:<n>`) to tell the shell script
 * what to do with the candidates. The values are the protocol: docker's and nerdctl's scripts read the same numbers.
 */
export const Directive = {
  /** Let the shell do its default (file) completion when there are no candidates. */
  default: 0,
  /** Something went wrong: ignore the candidates. */
  error: 1,
  /** Do not add a space after the completed word. */
  noSpace: 2,
  /** Never fall back to file completion. */
  noFileComp: 4,
  /** The candidates are file extensions to filter file completion by. */
  filterFileExt: 8,
  /** Complete directory names only (in the directory given as the only candidate, if any). */
  filterDirs: 16,
  /** Keep the candidates in the order given instead of sorting them. */
  keepOrder: 32,
} as const;

const names: readonly [number, string][] = [
  [Directive.error, 'ShellCompDirectiveError'],
  [Directive.noSpace, 'ShellCompDirectiveNoSpace'],
  [Directive.noFileComp, 'ShellCompDirectiveNoFileComp'],
  [Directive.filterFileExt, 'ShellCompDirectiveFilterFileExt'],
  [Directive.filterDirs, 'ShellCompDirectiveFilterDirs'],
  [Directive.keepOrder, 'ShellCompDirectiveKeepOrder'],
];

/** cobra's names for a directive, for the debug line `__complete` prints on stderr. */
export function directiveNames(directive: number): string {
  const set = names.filter(([bit]) => (directive & bit) !== 0).map(([, name]) => name);
  return set.length === 0 ? 'ShellCompDirectiveDefault' : set.join(', ');
}
