// A separate embedding worker process for scale-out: needs Redis (BullMQ); runs the same
// handlers as the API's in-process worker and keeps no vector index.
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { createRuntime } from '../src/runtime.ts';
import { onShutdown } from '../src/shutdown.ts';

const config = loadConfig(process.env);
const log = createLogger(config.LOG_LEVEL, 'worker');
const rt = await createRuntime(config, log, { withIndex: false, runWorker: true });
if (rt.queue.mode !== 'bullmq') {
  log.error(
    'a separate worker needs Redis (set REDIS_URL or start one on 127.0.0.1:6379); without it the API runs jobs itself',
  );
  await rt.close();
  process.exit(2);
}
log.info({ concurrency: config.WORKER_CONCURRENCY }, 'worker started');
onShutdown(log, config.SHUTDOWN_TIMEOUT_MS, [['runtime', () => rt.close()]]);
