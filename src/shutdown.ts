import type { Logger } from './log.ts';

/**
 * Graceful shutdown on SIGINT/SIGTERM: runs the steps in order, each with its share of the
 * time budget; a second signal, or the budget running out, exits at once.
 */
export function onShutdown(
  log: Logger,
  timeoutMs: number,
  steps: [string, () => Promise<unknown>][],
): void {
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown timed out: exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    let code = 0;
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        code = 1;
        log.error({ err, step: name }, 'shutdown step failed');
      }
    }
    clearTimeout(deadline);
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', (s) => void stop(s));
  process.on('SIGTERM', (s) => void stop(s));
}
