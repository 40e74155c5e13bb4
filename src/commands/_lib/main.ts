/**
 * The CLI's entry: parse argv against the command tree, resolve global options, build the CommandContext, run the
 * handler, and map the outcome to an exit status. This module and the other _lib files are the only ones that
 * touch `process`.
 */
import { resolve } from 'node:path';
import type { Engine } from '../../engine/engine.js';
import { createLogger } from '../../engine/log.js';
import type { OpContext } from '../../engine/op-context.js';
import { commands } from '../index.js';
import { parseArgv, type Invocation, type RootSpec } from './argv.js';
import { globalFlags, resolveGlobals } from './config.js';
import type { CommandContext, GlobalOptions, Output } from './context.js';
import { sameCommand } from './command-pages.js';
import { exitReport, type ExitClass } from './exit.js';
import { renderCommandHelp, renderGroupHelp } from './help.js';
import { containerEngineHooks } from './open-engine.js';
import type { CommandSpec, FlagSpecs, GroupSpec } from './spec.js';
import { VERSION } from './version.js';

export const PROGRAM_NAME = 'nerdctl';

export const rootSpec: RootSpec = { name: PROGRAM_NAME, flags: globalFlags, commands };

function makeOutput(stream: NodeJS.WriteStream): Output {
  return {
    write: (text) => void stream.write(text),
    line: (text = '') => void stream.write(text + '\n'),
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.columns ?? 80;
    },
    stream,
  };
}

/** Commands whose engine failures exit 125 like `docker run` (the container never ran). */
const containerClass = new Set(['container run', 'container create', 'container start', 'container exec', 'run', 'create', 'start', 'exec']);

/** Other paths that reach the same command (`nerdctl ps` for `nerdctl container ls`), for help's Aliases line. */
function aliasPaths(root: RootSpec, spec: CommandSpec, canonical: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (items: RootSpec['commands'], prefix: string[]) => {
    for (const c of items) {
      if (c.kind === 'group') walk(c.commands, [...prefix, c.name]);
      else if (sameCommand(c, spec)) {
        const p = [...prefix, c.name];
        if (p.join(' ') !== canonical.join(' ')) found.push([root.name, ...p].join(' '));
        for (const a of c.aliases ?? []) found.push([root.name, ...prefix, a].join(' '));
      }
    }
  };
  walk(root.commands, []);
  return [...new Set(found)];
}

function helpText(inv: Invocation, width: number | undefined): string {
  if (inv.command !== undefined) {
    let groupFlags: FlagSpecs = {};
    let items: RootSpec['commands'] = rootSpec.commands;
    for (const name of inv.path.slice(0, -1)) {
      const g = items.find((c) => c.name === name) as GroupSpec | undefined;
      if (g === undefined) break;
      groupFlags = { ...groupFlags, ...(g.flags ?? {}) };
      items = g.commands;
    }
    const { aliases: _ignored, ...spec } = inv.command;
    return renderCommandHelp(
      { root: rootSpec, path: inv.path, spec: spec as CommandSpec, aliasPaths: aliasPaths(rootSpec, inv.command, inv.path), width },
      groupFlags,
    );
  }
  return renderGroupHelp({ root: rootSpec, path: inv.path, spec: inv.group, width });
}

export interface MainIO {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  cwd: string;
  selfCommand: readonly string[];
  /** Aborted when stdout's reader went away (EPIPE): the command is canceled and cleans up, then exits 141. */
  brokenPipe?: AbortSignal;
}

/** Docker's status when its output pipe closes (a Go program killed by SIGPIPE). */
export const BROKEN_PIPE_STATUS = 141;

/** Runs one CLI invocation and returns its exit status. */
export async function main(io: MainIO): Promise<number> {
  const out = makeOutput(io.stdout);
  const err = makeOutput(io.stderr);
  // Shell completion passes raw, half-typed words: they must not go through the argv parser.
  if (io.argv[0] === '__complete' || io.argv[0] === '__completeNoDesc') {
    const { runComplete } = await import('../internal/complete.js');
    return runComplete(rootSpec, io);
  }
  let inv: Invocation;
  try {
    inv = parseArgv(rootSpec, io.argv);
  } catch (e) {
    const report = exitReport(e, { programName: PROGRAM_NAME, commandPath: [] });
    for (const l of report.lines) err.line(l);
    return report.code;
  }
  if (inv.version) {
    out.line(`${PROGRAM_NAME} version ${VERSION}`);
    return 0;
  }
  if (inv.help || inv.command === undefined) {
    out.write(helpText(inv, io.stdout.isTTY ? io.stdout.columns : undefined));
    return 0;
  }

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  io.brokenPipe?.addEventListener('abort', onSignal, { once: true });

  let globals: GlobalOptions | undefined;
  let engine: Promise<Engine> | undefined;
  const exitClass: ExitClass = containerClass.has(inv.path.join(' ')) ? 'container' : 'default';
  try {
    globals = await resolveGlobals(inv.globals, inv.changed, io.env);
    const g = globals;
    const log = createLogger(g.debug ? 'debug' : 'warn', (line) => err.write(line));
    for (const d of inv.deprecated) log.warn(`--${d.flag} is deprecated: ${d.message}`);
    const ctx: CommandContext = {
      out,
      err,
      // process.stdin is built on first use (a few ms for a pipe or a terminal): only commands that read it pay.
      get stdin() {
        return io.stdin;
      },
      env: io.env,
      cwd: io.cwd,
      globals: g,
      log,
      signal: controller.signal,
      color: out.isTTY && !g.noColor,
      programName: PROGRAM_NAME,
      selfCommand: io.selfCommand,
      engine() {
        engine ??= import('../../engine/engine.js').then((m) =>
          m.openEngine({
            dataRoot: resolve(g.dataRoot),
            stateRoot: g.stateRoot,
            snapshotter: g.snapshotter,
            hostsDirs: g.hostsDirs,
            insecureRegistries: g.insecureRegistries,
            cniPath: g.cniPath,
            cniNetconfPath: g.cniNetconfPath,
            cgroupManager: g.cgroupManager,
            log,
            ...containerEngineHooks(g, io.selfCommand, io.env),
          }),
        );
        return engine;
      },
      op(patch?: Partial<OpContext>): OpContext {
        return { namespace: g.namespace, signal: controller.signal, log, ...patch };
      },
      warn(message: string) {
        log.warn(message);
      },
    };
    const command = inv.command;
    const status = await command.handler({ flags: inv.flags, args: inv.args, changed: inv.changed } as never, ctx);
    return status ?? 0;
  } catch (e) {
    // The reader is gone: no message (it would go nowhere useful), the status a SIGPIPE'd docker has.
    if (io.brokenPipe?.aborted) return BROKEN_PIPE_STATUS;
    const report = exitReport(e, {
      programName: PROGRAM_NAME,
      commandPath: inv.typedPath,
      exitClass,
      debug: globals?.debug ?? io.argv.includes('--debug'),
    });
    for (const l of report.lines) err.line(l);
    return report.code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (engine !== undefined) {
      try {
        (await engine).close();
      } catch {
        // the command's own outcome matters more than a failed close
      }
    }
  }
}
