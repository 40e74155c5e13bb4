/** `container` management commands and Docker's top-level shorthands for them. */
import { aliasOf, defineGroup } from '../_lib/spec.js';
import { attachCommand } from './attach.js';
import { execCommand } from './exec.js';
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
    createCommand,
    execCommand,
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
  aliasOf(createCommand, 'create'),
  aliasOf(execCommand, 'exec'),
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
