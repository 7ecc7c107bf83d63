import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createRuntime } from './runtime.ts';
import { onShutdown } from './shutdown.ts';

const config = loadConfig(process.env);
const log = createLogger(config.LOG_LEVEL, 'api');
const rt = await createRuntime(config, log, { withIndex: true, runWorker: config.WORKER_IN_API });
const app = await buildApp(rt);
const requeued = await rt.sweepPending();
if (requeued > 0) log.info({ count: requeued }, 'pending listings enqueued again');
// Rows whose enqueue failed (Redis away for a moment) are picked up here.
const sweeper = setInterval(() => {
  rt.sweepPending().catch((err: unknown) => log.warn({ err }, 'pending sweep failed'));
}, 30_000);
sweeper.unref();

onShutdown(log, config.SHUTDOWN_TIMEOUT_MS, [
  ['http', () => app.close()],
  ['runtime', () => (clearInterval(sweeper), rt.close())],
]);
await app.listen({ port: config.PORT, host: config.HOST });
