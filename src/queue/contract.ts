import Type, { type Static, type TSchema } from 'typebox';
import type { Logger } from '../log.ts';

/**
 * The one queue contract shared by the API (producer) and the workers (consumers): job names,
 * the queue each runs on, payload schemas and job-id builders. Handlers are a typed map over
 * this catalog, so a job without a handler does not compile.
 */
export const EmbedListingPayload = Type.Object(
  {
    listingId: Type.String({ minLength: 1 }),
    contentHash: Type.String({ minLength: 8 }),
  },
  { additionalProperties: false },
);

interface JobSpec<S extends TSchema> {
  queue: string;
  payload: S;
  /** Equal ids collapse: a job already waiting or running is not added twice. */
  jobId: (p: Static<S>) => string;
}

function spec<S extends TSchema>(s: JobSpec<S>): JobSpec<S> {
  return s;
}

export const jobCatalog = {
  /** Embed one listing's current text and store its vector. */
  'embed-listing': spec({
    queue: 'embed',
    payload: EmbedListingPayload,
    // Listing id + content hash: resubmitting the same text never embeds it twice.
    jobId: (p) => `embed-${p.listingId}-${p.contentHash.slice(0, 16)}`,
  }),
};

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = Static<(typeof jobCatalog)[N]['payload']>;

/** What a handler learns about the attempt it runs in. */
export interface JobContext {
  jobId: string;
  attempt: number;
  maxAttempts: number;
  /** No retry follows a failure of this attempt: record the failure where users can see it. */
  isFinalAttempt: boolean;
  log: Logger;
}

export type JobHandlers = {
  [N in JobName]: (payload: JobPayload<N>, ctx: JobContext) => Promise<void>;
};

/** A failure that retrying cannot fix (bad data, missing model): fail the job at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** A transport for the catalog's jobs: BullMQ over Redis, or in-process. */
export interface JobQueue {
  readonly mode: 'bullmq' | 'inprocess';
  enqueue<N extends JobName>(name: N, payloads: JobPayload<N>[]): Promise<void>;
  /** Starts consuming jobs with these handlers in this process. */
  startWorker(handlers: JobHandlers): Promise<void>;
  counts(): Promise<QueueCounts>;
  ping(): Promise<boolean>;
  /** Stops taking jobs, waits for running ones (bounded), releases connections. */
  close(): Promise<void>;
}

/** Retry policy shared by both transports: exponential backoff from `backoffMs`. */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** Delay before attempt `attempt + 1` after `attempt` failed (1-based). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return policy.backoffMs * 2 ** (attempt - 1);
}
