import type { ListingRepo } from '../listings/repo.ts';
import type { JobContext, JobPayload } from '../queue/contract.ts';
import type { Embedder } from './embedder.ts';
import type { EmbeddingStore } from './store.ts';
import { passageText } from './text.ts';

/**
 * The `embed-listing` handler. Idempotent: a job for text that has since changed, a listing
 * that is gone, or a vector already stored (a retry after a crash between store and ack) does
 * no work, so at-least-once delivery never stores two vectors.
 */
export function embedListingHandler(deps: {
  repo: ListingRepo;
  store: EmbeddingStore;
  embedder: Embedder;
  onStored?: () => void;
}) {
  const { repo, store, embedder } = deps;
  const modelId = embedder.model.id;
  return async (p: JobPayload<'embed-listing'>, ctx: JobContext): Promise<void> => {
    const row = repo.get(p.listingId);
    if (!row || row.contentHash !== p.contentHash) return;
    const existing = store.get(p.listingId, modelId);
    if (existing?.contentHash === p.contentHash) {
      if (row.embeddingStatus !== 'ready') store.markReady(p.listingId, p.contentHash);
      return;
    }
    try {
      const [vector] = await embedder.embed([passageText(row)], 'passage');
      if (!vector) throw new Error('embedder returned no vector');
      if (store.store(p.listingId, p.contentHash, modelId, vector)) deps.onStored?.();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (ctx.isFinalAttempt) store.markFailed(p.listingId, p.contentHash, message);
      ctx.log.warn(
        { listingId: p.listingId, attempt: ctx.attempt, err: message },
        'embedding failed',
      );
      throw err;
    }
  };
}
