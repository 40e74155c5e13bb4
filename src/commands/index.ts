/**
 * The command tree: every command module is registered here, once. Top-level shorthands (`run`, `ps`, `pull`...)
 * are aliases of the management commands' specs, as in Docker.
 */
import type { AnySpec } from './_lib/spec.js';
import { completionCommand } from './system/completion.js';
import { versionCommand } from './system/version.js';

export const commands: readonly AnySpec[] = [completionCommand, versionCommand];
