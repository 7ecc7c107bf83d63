import { afterAll, describe, expect, it } from 'vitest';
import { embedListingHandler } from '../../src/embedding/embed-job.ts';
import type { Embedder } from '../../src/embedding/embedder.ts';
import { SAMPLE, startService, testEnv, waitFor } from '../helpers/env.ts';

// Real SQLite and real in-process transport; the embedder is replaced by one that always
// throws, because a real model cannot be made to fail on demand. The subject is what the
// row says after the last retry.
describe('a permanent embedding failure', () => {
  const t = testEnv({ JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '10' });
  afterAll(() => t.cleanup());

  it('is recorded on the row as failed with the error, after the retries', async () => {
    const s = await startService(t.env, { withIndex: true, runWorker: false });
    const failing: Embedder = {
      model: s.rt.embedder.model,
      embed: () => Promise.reject(new Error('onnxruntime exploded')),
      close: () => Promise.resolve(),
    };
    let calls = 0;
    const handler = embedListingHandler({ repo: s.rt.repo, store: s.rt.store, embedder: failing });
    await s.rt.queue.startWorker({
      'embed-listing': (p, ctx) => {
        calls++;
        return handler(p, ctx);
      },
      'rematch-chunk': () => Promise.resolve(),
    });
    const res = await s.inject({ method: 'POST', url: '/v1/offers', payload: SAMPLE.water });
    const id = res.json<{ id: string }>().id;
    const row = await waitFor(() => {
      const r = s.rt.repo.get(id);
      return r?.embeddingStatus === 'failed' ? r : undefined;
    });
    expect(calls).toBe(3);
    expect(row.embeddingError).toContain('onnxruntime exploded');
    const api = (await s.inject({ url: `/v1/offers/${id}` })).json<{
      embeddingStatus: string;
      embeddingError: string;
    }>();
    expect(api).toMatchObject({
      embeddingStatus: 'failed',
      embeddingError: 'onnxruntime exploded',
    });
    await s.close();
  });
});
