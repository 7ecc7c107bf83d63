import Value from 'typebox/value';
import type { Logger } from '../log.ts';
import {
  backoffDelay,
  jobCatalog,
  PermanentJobError,
  type JobHandlers,
  type JobName,
  type JobPayload,
  type JobQueue,
  type QueueCounts,
  type RetryPolicy,
} from './contract.ts';

interface Job {
  id: string;
  name: JobName;
  payload: unknown;
  attempt: number;
}

/**
 * Runs the catalog's jobs inside this process, for a machine without Redis. Same handlers, same
 * job ids, same retry policy as BullMQ; what it cannot give is durability, which the database
 * covers: rows still `pending` at start-up are enqueued again.
 */
export class InProcessQueue implements JobQueue {
  readonly mode = 'inprocess' as const;
  private readonly waiting: Job[] = [];
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private handlers: JobHandlers | undefined;
  private delayed = 0;
  private failed = 0;
  private closing = false;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly concurrency: number,
    private readonly log: Logger,
  ) {}

  enqueue<N extends JobName>(name: N, payloads: JobPayload<N>[]): Promise<void> {
    const spec = jobCatalog[name];
    // Validate the whole batch first: an invalid payload enqueues nothing.
    if (!payloads.every((p) => Value.Check(spec.payload, p))) {
      return Promise.reject(new Error(`invalid ${name} payload`));
    }
    for (const p of payloads) {
      const id = spec.jobId(p);
      if (this.known.has(id)) continue;
      this.known.add(id);
      this.waiting.push({ id, name, payload: p, attempt: 1 });
    }
    this.pump();
    return Promise.resolve();
  }

  startWorker(handlers: JobHandlers): Promise<void> {
    this.handlers = handlers;
    this.pump();
    return Promise.resolve();
  }

  private pump(): void {
    while (
      this.handlers &&
      !this.closing &&
      this.running.size < this.concurrency &&
      this.waiting.length > 0
    ) {
      const job = this.waiting.shift()!;
      const run = this.run(job, this.handlers).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(job: Job, handlers: JobHandlers): Promise<void> {
    const isFinalAttempt = job.attempt >= this.policy.attempts;
    const handler = handlers[job.name] as (
      p: unknown,
      c: Parameters<JobHandlers[JobName]>[1],
    ) => Promise<void>;
    try {
      await handler(job.payload, {
        jobId: job.id,
        attempt: job.attempt,
        maxAttempts: this.policy.attempts,
        isFinalAttempt,
        log: this.log,
      });
      this.known.delete(job.id);
    } catch (err) {
      if (isFinalAttempt || err instanceof PermanentJobError || this.closing) {
        this.known.delete(job.id);
        this.failed++;
        this.log.warn({ jobId: job.id, err }, 'job failed');
        return;
      }
      const delay = backoffDelay(this.policy, job.attempt);
      this.delayed++;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.delayed--;
        this.waiting.push({ ...job, attempt: job.attempt + 1 });
        this.pump();
      }, delay);
      this.timers.add(t);
    }
  }

  counts(): Promise<QueueCounts> {
    return Promise.resolve({
      waiting: this.waiting.length,
      active: this.running.size,
      delayed: this.delayed,
      failed: this.failed,
    });
  }

  ping(): Promise<boolean> {
    return Promise.resolve(!this.closing);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}
