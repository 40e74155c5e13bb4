/**
 * docs/command-reference.md: the command reference in Markdown, generated from the same specs as `--help`, the man
 * pages and completion. One section per group and command (usage, aliases, description, options table, examples),
 * the global options with their environment variables and nerdctl.toml keys, and the configuration keys.
 * Shorthands (`nerdctl run`) get a short section pointing to their command.
 */
import type { RootSpec } from './argv.js';
import { childPages, commandPages, type CommandPage } from './command-pages.js';
import { configKeys, DEFAULT_CONFIG_FILE, envKeys, globalFlags } from './config.js';
import { byteOrder, flagValueName } from './help.js';
import { defaultText } from './man.js';
import type { CommandSpec, FlagSpec, FlagSpecs } from './spec.js';

/** GitHub's heading anchor for a heading made of plain words. */
export function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

/** A table cell: pipes escaped, line breaks as `<br>`. */
function cell(text: string): string {
  return text.trim().replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('\n', '<br>');
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}

/** Prose from a spec: `<` escaped so `<HOST:PORT>` is not taken for HTML. */
function prose(text: string): string {
  return text.trim().replaceAll('<', '&lt;');
}

const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', describe: 'Print usage' };

function optionsTable(flags: FlagSpecs, extraColumns?: { title: string; value: (name: string) => string }[]): string[] {
  const entries = Object.entries(flags).filter(([, s]) => s.hidden !== true);
  entries.sort(([a], [b]) => byteOrder(a, b));
  const extra = extraColumns ?? [];
  const out = [
    `| Option | Shorthand | Type | Default |${extra.map((c) => ` ${c.title} |`).join('')} Description |`,
    `|---|---|---|---|${extra.map(() => '---|').join('')}---|`,
  ];
  for (const [name, spec] of entries) {
    const names = [`--${name}`, ...(spec.aliases ?? []).map((a) => `--${a}`)].map(code).join(', ');
    const type = flagValueName(spec) + (spec.type === 'strings' ? ' (repeatable)' : '');
    const d = defaultText(spec);
    let description = spec.describe;
    if (spec.choices !== undefined) description += `\nOne of: ${spec.choices.join(', ')}`;
    if (spec.deprecated !== undefined) description += `\nDeprecated: ${spec.deprecated}`;
    out.push(
      `| ${names} | ${spec.short !== undefined ? code(`-${spec.short}`) : ''} | ${cell(type)} | ${d !== undefined ? code(d) : ''} |` +
        `${extra.map((c) => ` ${c.value(name)} |`).join('')} ${cell(description)} |`,
    );
  }
  return out;
}

function commandSection(page: CommandPage & { spec: CommandSpec }, root: RootSpec): string[] {
  const spec = page.spec;
  const words = [root.name, ...page.path].join(' ');
  const out = [`## ${words}`, ''];
  if (page.shorthandOf !== undefined) {
    const canonical = [root.name, ...page.shorthandOf].join(' ');
    out.push(`Shorthand for [${code(canonical)}](#${anchor(canonical)}): ${prose(spec.summary)}.`, '');
    return out;
  }
  const hasFlags = [spec.flags, ...page.groupFlags.map((g) => g.flags)].some((f) => Object.values(f).some((s) => s.hidden !== true));
  out.push('```text', `${words}${hasFlags ? ' [OPTIONS]' : ''}${spec.usage ? ' ' + spec.usage : ''}`, '```', '');
  out.push(prose(spec.description ?? spec.summary), '');
  if (page.otherPaths.length > 0) {
    out.push(`Aliases: ${page.otherPaths.map((p) => code([root.name, ...p].join(' '))).join(', ')}`, '');
  }
  out.push('Options:', '', ...optionsTable({ ...spec.flags, help: HELP_FLAG }), '');
  for (const g of page.groupFlags) {
    out.push(`Options of ${code([root.name, ...g.path].join(' '))}:`, '', ...optionsTable(g.flags), '');
  }
  if (spec.examples !== undefined && spec.examples.length > 0) {
    out.push('Examples:', '');
    for (const ex of spec.examples) out.push(`${prose(ex.description)}:`, '', '```console', ...ex.command.split('\n').map((l) => `$ ${l}`), '```', '');
  }
  if (spec.exitStatus !== undefined) out.push(`Exit status: ${prose(spec.exitStatus)}`, '');
  return out;
}

function groupSection(page: CommandPage, pages: readonly CommandPage[], root: RootSpec): string[] {
  const spec = page.spec;
  const words = [root.name, ...page.path].join(' ');
  const flags = spec.kind === 'group' ? (spec.flags ?? {}) : {};
  const hasFlags = Object.values(flags).some((s) => s.hidden !== true);
  const out = [`## ${words}`, '', '```text', `${words}${hasFlags ? ' [OPTIONS]' : ''} COMMAND`, '```', ''];
  out.push(prose(spec.description ?? spec.summary), '');
  if (spec.aliases !== undefined && spec.aliases.length > 0) {
    const parent = [root.name, ...page.path.slice(0, -1)];
    out.push(`Aliases: ${spec.aliases.map((a) => code([...parent, a].join(' '))).join(', ')}`, '');
  }
  out.push('| Command | Description |', '|---|---|');
  for (const c of childPages(pages, page.path)) {
    const cw = [root.name, ...c.path].join(' ');
    out.push(`| [${code(cw)}](#${anchor(cw)}) | ${cell(c.spec.summary)} |`);
  }
  out.push('');
  if (hasFlags) out.push(`Options (accepted after ${code(words)} and after any of its commands):`, '', ...optionsTable(flags), '');
  return out;
}

export interface MarkdownOptions {
  readonly root: RootSpec;
  readonly version: string;
}

/** The whole reference document. */
export function commandReference(opts: MarkdownOptions): string {
  const { root } = opts;
  const pages = commandPages(root);
  const flags = root.flags as FlagSpecs;
  const out = [
    `# ${root.name} command reference`,
    '',
    `<!-- Generated by scripts/gen-docs.mjs from the command specs (src/commands); do not edit. -->`,
    '',
    `${root.name} ${opts.version}. The same specs produce \`--help\`, the man pages (\`man ${root.name}\`) and shell completion.`,
    '',
    '- [Global options](#global-options)',
    '- [Configuration file](#configuration-file)',
    ...pages.map((p) => {
      const words = [root.name, ...p.path].join(' ');
      return `${'  '.repeat(p.path.length - 1)}- [${words}](#${anchor(words)})`;
    }),
    '',
    '## Global options',
    '',
    '```text',
    `${root.name} [OPTIONS] COMMAND [ARG...]`,
    '```',
    '',
    'Accepted before the command and after it. Flags override environment variables, which override the configuration file, which overrides the defaults.',
    '',
    ...optionsTable({ ...flags, help: HELP_FLAG, version: { type: 'boolean', short: 'v', describe: 'Print version information and quit' } }, [
      {
        title: 'Environment',
        value: (name) =>
          Object.entries(envKeys)
            .filter(([, f]) => f === name)
            .map(([e]) => code(e))
            .join(', '),
      },
      {
        title: 'nerdctl.toml',
        value: (name) =>
          Object.entries(configKeys)
            .filter(([, k]) => k.flag === name)
            .map(([k]) => code(k))
            .join(', '),
      },
    ]),
    '',
    '## Configuration file',
    '',
    `${DEFAULT_CONFIG_FILE} (or the file named by \`NERDCTL_TOML\`), in TOML. An unknown key or a value of the wrong type is an error naming the key.`,
    '',
    '| Key | Type | Default | Flag | Description |',
    '|---|---|---|---|---|',
    ...Object.entries(configKeys).map(([key, k]) => {
      const spec = flags[k.flag] ?? (globalFlags as FlagSpecs)[k.flag];
      const d = spec !== undefined ? defaultText(spec) : undefined;
      const type = k.type === 'strings' ? 'array of strings' : k.type;
      return `| ${code(key)} | ${type} | ${d !== undefined ? code(d) : ''} | ${code(`--${k.flag}`)} | ${cell(k.describe)} |`;
    }),
    '',
  ];
  for (const page of pages) {
    if (page.spec.kind === 'group') out.push(...groupSection(page, pages, root));
    else out.push(...commandSection(page as CommandPage & { spec: CommandSpec }, root));
  }
  while (out.at(-1) === '') out.pop();
  return out.join('\n') + '\n';
}
