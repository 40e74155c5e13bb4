/** `system` management commands. Add further `system` subcommands (df, events, prune) to this list. */
import { defineGroup } from '../_lib/spec.js';
import { eventsCommand } from './events.js';
import { dfCommand } from './df.js';
import { systemPruneCommand } from './prune.js';
import { infoCommand } from './info.js';

export const systemGroup = defineGroup({
  name: 'system',
  summary: 'Manage containerd',
  commands: [dfCommand, eventsCommand, infoCommand, systemPruneCommand],
});
