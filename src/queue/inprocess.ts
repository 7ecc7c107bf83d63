import Value from 'typebox/value';
import type { Logger } from '../log.ts';
import {
  backoffDelay,
  handlerOf,
  jobCatalog,
  jobIdOf,
  PermanentJobError,
  queueConcurrency,
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
  private readonly runningPerQueue = new Map<string, number>();
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
      const id = jobIdOf(name, p);
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
    if (!this.handlers || this.closing) return;
    for (let i = 0; i < this.waiting.length && this.running.size < this.concurrency;) {
      const job = this.waiting[i]!;
      const queue = jobCatalog[job.name].queue;
      const busy = this.runningPerQueue.get(queue) ?? 0;
      // Same per-queue limits as BullMQ, so a CPU-bound queue does not starve the others.
      if (busy >= (queueConcurrency[queue] ?? this.concurrency)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.runningPerQueue.set(queue, busy + 1);
      const handlers = this.handlers;
      const run = this.run(job, handlers).finally(() => {
        this.running.delete(run);
        this.runningPerQueue.set(queue, (this.runningPerQueue.get(queue) ?? 1) - 1);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(job: Job, handlers: JobHandlers): Promise<void> {
    const isFinalAttempt = job.attempt >= this.policy.attempts;
    const handler = handlerOf(handlers, job.name);
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
