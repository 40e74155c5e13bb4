/**
 * Ctrl-C for the commands that keep running (`compose up` attached): Docker Compose stops gracefully on the first
 * SIGINT and kills on the second. main.ts aborts the command's signal on the first one and then stops listening,
 * so without a listener of our own a second Ctrl-C would end this process and leave the containers running.
 * This module is the one place compose touches `process` (as _lib/signals.ts is for the container commands).
 */

/** Counts SIGINT/SIGTERM until the returned function is called; `onSignal(n)` runs on each (n = 1, 2, ...). */
export function countInterrupts(onSignal: (count: number, signal: string) => void): () => void {
  let count = 0;
  const handler = (sig: string) => {
    count++;
    onSignal(count, sig);
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
