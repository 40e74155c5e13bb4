/** `network` management commands. */
import { defineGroup } from '../_lib/spec.js';
import { networkCreateCommand } from './create.js';
import { networkInspectCommand } from './inspect.js';
import { networkLsCommand } from './ls.js';
import { networkPruneCommand } from './prune.js';
import { networkRmCommand } from './rm.js';

export const networkGroup = defineGroup({
  name: 'network',
  summary: 'Manage networks',
  commands: [networkCreateCommand, networkInspectCommand, networkLsCommand, networkPruneCommand, networkRmCommand],
});
