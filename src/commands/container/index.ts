/** `container` management commands and Docker's top-level shorthands for them. */
import { aliasOf, defineGroup } from '../_lib/spec.js';
import { attachCommand } from './attach.js';
import { commitCommand } from './commit.js';
import { cpCommand } from './cp.js';
import { diffCommand } from './diff.js';
import { execCommand } from './exec.js';
import { exportCommand } from './export.js';
import { containerInspectCommand, inspectCommand } from './inspect.js';
import { logsCommand } from './logs.js';
import { portCommand } from './port.js';
import { containerPruneCommand } from './prune.js';
import { psCommand } from './ps.js';
import { renameCommand } from './rename.js';
import { rmCommand } from './rm.js';
import { createCommand, runCommand } from './run.js';
import { startCommand } from './start.js';
import { statsCommand } from './stats.js';
import { killCommand, pauseCommand, restartCommand, stopCommand, unpauseCommand } from './stop.js';
import { topCommand } from './top.js';
import { updateCommand } from './update.js';
import { waitCommand } from './wait.js';

export const containerGroup = defineGroup({
  name: 'container',
  summary: 'Manage containers',
  commands: [
    attachCommand,
    commitCommand,
    cpCommand,
    createCommand,
    diffCommand,
    execCommand,
    exportCommand,
    containerInspectCommand,
    killCommand,
    logsCommand,
    psCommand,
    pauseCommand,
    portCommand,
    containerPruneCommand,
    renameCommand,
    restartCommand,
    rmCommand,
    runCommand,
    startCommand,
    statsCommand,
    stopCommand,
    topCommand,
    unpauseCommand,
    updateCommand,
    waitCommand,
  ],
});

/** Top-level shorthands: `run`, `ps`, `rm`, `exec`... and the multi-type `inspect`. */
export const containerShorthands = [
  aliasOf(attachCommand, 'attach'),
  aliasOf(commitCommand, 'commit'),
  aliasOf(cpCommand, 'cp'),
  aliasOf(createCommand, 'create'),
  aliasOf(diffCommand, 'diff'),
  aliasOf(execCommand, 'exec'),
  aliasOf(exportCommand, 'export'),
  aliasOf(killCommand, 'kill'),
  aliasOf(logsCommand, 'logs'),
  aliasOf(psCommand, 'ps'),
  aliasOf(pauseCommand, 'pause'),
  aliasOf(portCommand, 'port'),
  aliasOf(renameCommand, 'rename'),
  aliasOf(restartCommand, 'restart'),
  aliasOf(rmCommand, 'rm'),
  aliasOf(runCommand, 'run'),
  aliasOf(startCommand, 'start'),
  aliasOf(statsCommand, 'stats'),
  aliasOf(stopCommand, 'stop'),
  aliasOf(topCommand, 'top'),
  aliasOf(unpauseCommand, 'unpause'),
  aliasOf(updateCommand, 'update'),
  aliasOf(waitCommand, 'wait'),
  inspectCommand,
];
