import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import Value from 'typebox/value';
import type { Logger } from '../log.ts';
import {
  jobCatalog,
  PermanentJobError,
  type JobHandlers,
  type JobName,
  type JobPayload,
  type JobQueue,
  type QueueCounts,
  type RetryPolicy,
} from './contract.ts';

export interface BullOptions {
  url: string;
  prefix: string;
  policy: RetryPolicy;
  concurrency: number;
  lockMs: number;
  log: Logger;
}

/** Jobs over Redis with BullMQ: durable, retried, shared by any number of worker processes. */
export class BullQueue implements JobQueue {
  readonly mode = 'bullmq' as const;
  private readonly producer: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly workerConnections: Redis[] = [];

  constructor(private readonly opts: BullOptions) {
    // Producers fail fast: an HTTP request must not hang while Redis is away.
    this.producer = new Redis(opts.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.producer.on('error', (err) => opts.log.warn({ err: err.message }, 'redis producer error'));
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.producer, prefix: this.opts.prefix });
      q.on('error', (err) => this.opts.log.warn({ err: err.message, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<N extends JobName>(name: N, payloads: JobPayload<N>[]): Promise<void> {
    if (payloads.length === 0) return;
    const spec = jobCatalog[name];
    for (const p of payloads)
      if (!Value.Check(spec.payload, p)) throw new Error(`invalid ${name} payload`);
    await this.queue(spec.queue).addBulk(
      payloads.map((p) => ({
        name,
        data: p,
        opts: {
          jobId: spec.jobId(p),
          attempts: this.opts.policy.attempts,
          backoff: { type: 'exponential', delay: this.opts.policy.backoffMs },
          // Completed jobs are removed so that the same id can run again if the text returns
          // to an earlier version; the database row holds the outcome.
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
        },
      })),
    );
  }

  startWorker(handlers: JobHandlers): Promise<void> {
    const queueNames = new Set(Object.values(jobCatalog).map((s) => s.queue));
    for (const queueName of queueNames) {
      // Workers block on Redis and must retry forever (BullMQ's production checklist).
      const connection = new Redis(this.opts.url, { maxRetriesPerRequest: null });
      connection.on('error', (err) =>
        this.opts.log.warn({ err: err.message }, 'redis worker error'),
      );
      this.workerConnections.push(connection);
      const worker = new Worker(queueName, (job: Job) => this.process(job, handlers), {
        connection,
        prefix: this.opts.prefix,
        concurrency: this.opts.concurrency,
        lockDuration: this.opts.lockMs,
        stalledInterval: Math.max(1000, Math.floor(this.opts.lockMs / 2)),
        // A killed worker's jobs come back as stalled; allow that a few times before failing.
        maxStalledCount: 5,
      });
      worker.on('error', (err) => this.opts.log.warn({ err: err.message }, 'worker error'));
      this.workers.push(worker);
    }
    return Promise.all(this.workers.map((w) => w.waitUntilReady())).then(() => undefined);
  }

  private async process(job: Job, handlers: JobHandlers): Promise<void> {
    const name = job.name as JobName;
    const spec = jobCatalog[name] as (typeof jobCatalog)[JobName] | undefined;
    if (!spec) throw new UnrecoverableError(`no handler for job ${job.name}`);
    if (!Value.Check(spec.payload, job.data))
      throw new UnrecoverableError(`invalid ${name} payload`);
    const maxAttempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsMade + 1;
    try {
      await handlers[name](job.data, {
        jobId: job.id ?? '',
        attempt,
        maxAttempts,
        isFinalAttempt: attempt >= maxAttempts,
        log: this.opts.log,
      });
    } catch (err) {
      if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }

  async counts(): Promise<QueueCounts> {
    const total: QueueCounts = { waiting: 0, active: 0, delayed: 0, failed: 0 };
    for (const spec of Object.values(jobCatalog)) {
      const c = await this.queue(spec.queue).getJobCounts('waiting', 'active', 'delayed', 'failed');
      total.waiting += c.waiting ?? 0;
      total.active += c.active ?? 0;
      total.delayed += c.delayed ?? 0;
      total.failed += c.failed ?? 0;
    }
    return total;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.producer.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // Workers first: close() waits for running jobs, so none is left half done.
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    for (const c of this.workerConnections) c.disconnect();
    this.producer.disconnect();
  }
}

/** True when a Redis answers PING at `url` within `timeoutMs`. */
export async function probeRedis(url: string, timeoutMs = 500): Promise<boolean> {
  const opts: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  };
  const r = new Redis(url, opts);
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
