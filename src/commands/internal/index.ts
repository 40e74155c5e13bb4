/** Hidden commands the CLI runs itself (exit command, health-check runner). */
import { defineGroup } from '../_lib/spec.js';
import { cleanupCommand } from './cleanup.js';
import { healthcheckRunnerCommand } from './healthcheck-runner.js';

export const internalGroup = defineGroup({
  name: 'internal',
  summary: 'Commands nerdctl runs itself',
  hidden: true,
  commands: [cleanupCommand, healthcheckRunnerCommand],
});
