/** `volume` management commands. */
import { defineGroup } from '../_lib/spec.js';
import { volumeCreateCommand } from './create.js';
import { volumeInspectCommand } from './inspect.js';
import { volumeLsCommand } from './ls.js';
import { volumePruneCommand } from './prune.js';
import { volumeRmCommand } from './rm.js';

export const volumeGroup = defineGroup({
  name: 'volume',
  summary: 'Manage volumes',
  commands: [volumeCreateCommand, volumeInspectCommand, volumeLsCommand, volumePruneCommand, volumeRmCommand],
});
