import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { BullQueue, probeRedis } from './bullmq.ts';
import type { JobQueue } from './contract.ts';
import { InProcessQueue } from './inprocess.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Picks the transport: BullMQ when Redis answers (REDIS_URL, else a local one), in-process
 * otherwise. An explicit REDIS_URL that does not answer is an error, not a silent fallback:
 * separate worker processes would never see the jobs.
 */
export async function createQueue(config: Config, log: Logger): Promise<JobQueue> {
  const policy = { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS };
  const url = config.REDIS_URL ?? DEFAULT_REDIS_URL;
  let mode = config.QUEUE_MODE;
  if (mode === 'auto') {
    const up = await probeRedis(url);
    if (!up && config.REDIS_URL !== undefined) {
      throw new Error(
        `REDIS_URL=${config.REDIS_URL} does not answer; set QUEUE_MODE=inprocess to run without Redis`,
      );
    }
    mode = up ? 'bullmq' : 'inprocess';
  }
  if (mode === 'bullmq') {
    log.info(
      { transport: 'bullmq', redis: redactUrl(url), prefix: config.QUEUE_PREFIX },
      'job transport',
    );
    return new BullQueue({
      url,
      prefix: config.QUEUE_PREFIX,
      policy,
      concurrency: config.WORKER_CONCURRENCY,
      lockMs: config.JOB_LOCK_MS,
      log,
    });
  }
  log.info({ transport: 'inprocess' }, 'job transport (no Redis found: jobs run in this process)');
  return new InProcessQueue(policy, config.WORKER_CONCURRENCY, log);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
