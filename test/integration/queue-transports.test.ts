import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { BullQueue } from '../../src/queue/bullmq.ts';
import {
  PermanentJobError,
  type JobContext,
  type JobHandlers,
  type JobQueue,
} from '../../src/queue/contract.ts';
import { InProcessQueue } from '../../src/queue/inprocess.ts';
import { waitFor } from '../helpers/env.ts';

// Both transports run the same contract; BullMQ against the real Redis on 127.0.0.1:6379
// with a unique key prefix per test. Handlers here are test handlers (the embedding handler
// is exercised end to end elsewhere): the subject is the transport.
const log = createLogger('silent', 'test');
const policy = { attempts: 3, backoffMs: 20 };
const makers: Record<string, () => JobQueue> = {
  inprocess: () => new InProcessQueue(policy, 4, log),
  bullmq: () =>
    new BullQueue({
      url: 'redis://127.0.0.1:6379',
      prefix: `test-${randomBytes(6).toString('hex')}`,
      policy,
      concurrency: 4,
      lockMs: 5000,
      log,
    }),
};

describe.each(Object.keys(makers))('%s transport', (mode) => {
  let q: JobQueue | undefined;
  afterEach(async () => {
    await q?.close();
  });

  const hash = () => randomBytes(16).toString('hex');

  it('runs each job id once, however often it is enqueued while waiting', async () => {
    q = makers[mode]!();
    const seen: string[] = [];
    const h = hash();
    await q.enqueue('embed-listing', [
      { listingId: 'a', contentHash: h },
      { listingId: 'a', contentHash: h },
      { listingId: 'b', contentHash: h },
    ]);
    await q.enqueue('embed-listing', [{ listingId: 'a', contentHash: h }]);
    const handlers: JobHandlers = {
      'embed-listing': (p) => {
        seen.push(p.listingId);
        return Promise.resolve();
      },
    };
    await q.startWorker(handlers);
    await waitFor(() => seen.length === 2, 10_000, 'two jobs');
    await waitFor(async () => {
      const c = await q!.counts();
      return c.waiting + c.active === 0;
    });
    expect(seen.sort()).toEqual(['a', 'b']);
  });

  it('retries with backoff and tells the handler which attempt is final', async () => {
    q = makers[mode]!();
    const attempts: [number, boolean][] = [];
    await q.startWorker({
      'embed-listing': (_p, ctx: JobContext) => {
        attempts.push([ctx.attempt, ctx.isFinalAttempt]);
        return ctx.attempt < 3 ? Promise.reject(new Error('transient')) : Promise.resolve();
      },
    });
    await q.enqueue('embed-listing', [{ listingId: 'r', contentHash: hash() }]);
    await waitFor(() => attempts.length === 3, 10_000, 'three attempts');
    expect(attempts).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  it('does not retry a permanent failure', async () => {
    q = makers[mode]!();
    let calls = 0;
    await q.startWorker({
      'embed-listing': () => {
        calls++;
        return Promise.reject(new PermanentJobError('bad data'));
      },
    });
    await q.enqueue('embed-listing', [{ listingId: 'p', contentHash: hash() }]);
    await waitFor(async () => (await q!.counts()).failed === 1, 10_000, 'failed job');
    expect(calls).toBe(1);
  });

  it('rejects a payload that does not fit the contract', async () => {
    q = makers[mode]!();
    await expect(q.enqueue('embed-listing', [{ listingId: '', contentHash: 'x' }])).rejects.toThrow(
      /invalid/,
    );
  });
});
