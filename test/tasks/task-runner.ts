// A separate process that creates and starts one task, prints its pids as JSON and exits while the task keeps
// running under conmon (what a detached `run` does). Bundled with esbuild by processes.test.ts.
import { nullLogger } from '../../src/engine/log.js';
import { createTaskService } from '../../src/engine/tasks/task-service.js';

const [stateRoot, namespace, id, bundle, logPath] = process.argv.slice(2) as [string, string, string, string, string];
const tasks = createTaskService({ stateRoot });
const ctx = { namespace, signal: new AbortController().signal, log: nullLogger };
const created = await tasks.create(ctx, { id, bundle, logPath });
await tasks.start(ctx, id);
process.stdout.write(JSON.stringify(created) + '\n');
