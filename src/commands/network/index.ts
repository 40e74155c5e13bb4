/** `network` management commands. */
import { defineGroup } from '../_lib/spec.js';
import { networkConnectCommand } from './connect.js';
import { networkCreateCommand } from './create.js';
import { networkDisconnectCommand } from './disconnect.js';
import { networkInspectCommand } from './inspect.js';
import { networkLsCommand } from './ls.js';
import { networkPruneCommand } from './prune.js';
import { networkRmCommand } from './rm.js';

export const networkGroup = defineGroup({
  name: 'network',
  summary: 'Manage networks',
  commands: [networkConnectCommand, networkCreateCommand, networkDisconnectCommand, networkInspectCommand, networkLsCommand, networkPruneCommand, networkRmCommand],
});
