/**
 * `compose`: Docker Compose v2's commands, run in-process on the engine, network and build layers (src/compose
 * plans and applies; these modules parse flags and render output). The group's flags (`-f`, `-p`...) are shared by
 * every subcommand.
 */
import { defineGroup } from '../_lib/spec.js';
import { configCommand } from './config.js';
import { composeCpCommand } from './cp.js';
import { downCommand } from './down.js';
import { composeExecCommand, composeRunCommand } from './exec.js';
import { createCommand, killCommand, pauseCommand, restartCommand, rmCommand, startCommand, stopCommand, unpauseCommand } from './lifecycle.js';
import { composeLogsCommand } from './logs.js';
import { composeLsCommand } from './ls.js';
import { buildCommand, eventsCommand, imagesCommand, portCommand, pullCommand, pushCommand, topCommand, waitCommand } from './misc.js';
import { composePsCommand } from './ps.js';
import { composeFlags } from './shared.js';
import { upCommand } from './up.js';
import { composeVersionCommand } from './version.js';

export const composeGroup = defineGroup({
  name: 'compose',
  summary: 'Define and run multi-container applications with Docker Compose',
  description: 'Define and run multi-container applications with Docker Compose. Runs in-process: no daemon, no helper processes.',
  flags: composeFlags,
  commands: [
    buildCommand,
    configCommand,
    composeCpCommand,
    createCommand,
    downCommand,
    eventsCommand,
    composeExecCommand,
    imagesCommand,
    killCommand,
    composeLogsCommand,
    composeLsCommand,
    pauseCommand,
    portCommand,
    composePsCommand,
    pullCommand,
    pushCommand,
    restartCommand,
    rmCommand,
    composeRunCommand,
    startCommand,
    stopCommand,
    topCommand,
    unpauseCommand,
    upCommand,
    composeVersionCommand,
    waitCommand,
  ],
});
