/**
 * Signal proxying for foreground container commands (`run`, `start -a`, `attach`): while active, the signals a
 * user sends the CLI go to the container instead of cancelling the command (Docker's `--sig-proxy`). The
 * listeners main.ts installs (abort on SIGINT/SIGTERM) are set aside and put back afterwards.
 */

/** Signals Docker's CLI forwards (all catchable ones; these are the ones that matter in practice). */
export const PROXIED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/** Forwards signals to `send` until the returned function is called. SIGWINCH is left to the terminal resize. */
export function proxySignals(send: (signal: string) => void): () => void {
  const saved = new Map<string, ((...args: unknown[]) => void)[]>();
  const handlers = new Map<string, () => void>();
  for (const sig of PROXIED_SIGNALS) {
    if (sig === 'SIGWINCH') continue;
    saved.set(sig, process.listeners(sig) as ((...args: unknown[]) => void)[]);
    process.removeAllListeners(sig);
    const h = () => send(sig);
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
    for (const [sig, ls] of saved) for (const l of ls) process.on(sig, l);
  };
}
