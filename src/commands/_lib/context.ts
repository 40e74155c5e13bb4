/**
 * CommandContext: everything a command handler may touch. Handlers never use `process` directly: output, input,
 * environment, working directory, global options, cancellation and the engine all come through here, so commands
 * stay testable and the composition happens in one place (main.ts).
 */
import type { Engine } from '../../engine/engine.js';
import type { Logger } from '../../engine/log.js';
import type { OpContext } from '../../engine/op-context.js';

export interface GlobalOptions {
  readonly namespace: string;
  readonly dataRoot: string;
  /** Runtime state (runc root, bundles, sockets, exit files); derived from dataRoot unless configured. */
  readonly stateRoot: string;
  readonly debug: boolean;
  readonly debugFull: boolean;
  readonly insecureRegistries: readonly string[];
  readonly hostsDirs: readonly string[];
  readonly snapshotter: 'overlayfs' | 'native';
  readonly cniPath: string;
  readonly cniNetconfPath: string;
  readonly cgroupManager: 'cgroupfs' | 'systemd' | 'none';
  readonly experimental: boolean;
  readonly hostGatewayIp: string | undefined;
  readonly noColor: boolean;
  /** The config file that was read, if any. */
  readonly configFile: string | undefined;
}

/** A text sink (stdout or stderr). */
export interface Output {
  write(text: string): void;
  /** Writes `text` plus a newline. */
  line(text?: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
  /** The underlying stream, for commands that pipe binary data (save, export, cp). */
  readonly stream: NodeJS.WritableStream;
}

export interface CommandContext {
  readonly out: Output;
  readonly err: Output;
  readonly stdin: NodeJS.ReadStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly globals: GlobalOptions;
  readonly log: Logger;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** True when coloured output is allowed (stdout is a TTY, no NO_COLOR, no --no-color). */
  readonly color: boolean;
  /** The program name shown in messages (`nerdctl`). */
  readonly programName: string;
  /** argv that re-invokes this CLI (node + script), for exit commands and helper processes. */
  readonly selfCommand: readonly string[];
  /** Opens the engine once per invocation (lazy: `ps --help` never opens the database). */
  engine(): Promise<Engine>;
  /** An OpContext for engine calls in the global namespace. */
  op(patch?: Partial<OpContext>): OpContext;
  /** Prints a warning line on stderr (`WARN[0000] ...` as nerdctl does). */
  warn(message: string): void;
}
