/**
 * The command tree: every command module is registered here, once. Top-level shorthands (`run`, `ps`, `pull`...)
 * are aliases of the management commands' specs, as in Docker.
 */
import type { AnySpec } from './_lib/spec.js';
import { containerGroup, containerShorthands } from './container/index.js';
import { contentGroup } from './content/index.js';
import { imageGroup, imageShorthands } from './image/index.js';
import { namespaceGroup } from './namespace/index.js';
import { networkGroup } from './network/index.js';
import { loginCommand, logoutCommand } from './registry/login.js';
import { snapshotGroup } from './snapshot/index.js';
import { buildCommand } from './build/build.js';
import { builderCommand } from './build/builder.js';
import { composeGroup } from './compose/index.js';
import { completionCommand } from './system/completion.js';
import { eventsCommand } from './system/events.js';
import { systemGroup } from './system/index.js';
import { infoCommand } from './system/info.js';
import { internalGroup } from './internal/index.js';
import { versionCommand } from './system/version.js';
import { volumeGroup } from './volume/index.js';

export const commands: readonly AnySpec[] = [
  completionCommand,
  versionCommand,
  containerGroup,
  ...containerShorthands,
  imageGroup,
  ...imageShorthands,
  buildCommand,
  builderCommand,
  loginCommand,
  logoutCommand,
  namespaceGroup,
  networkGroup,
  volumeGroup,
  composeGroup,
  contentGroup,
  snapshotGroup,
  systemGroup,
  eventsCommand,
  infoCommand,
  internalGroup,
];
