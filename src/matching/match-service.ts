import type { ListingRow } from '../db/schema.ts';
import type { Embedder } from '../embedding/embedder.ts';
import type { EmbeddingStore } from '../embedding/store.ts';
import { AppError } from '../http/errors.ts';
import type { VectorIndexRegistry } from '../index/registry.ts';
import type { Side } from '../listings/schemas.ts';

/** One ranked counterpart. */
export interface MatchItem {
  id: string;
  side: Side;
  score: number;
  title: string;
  /** Withheld (null) when the listing is confidential. */
  description: string | null;
  keywords: string[];
  industry: string | null;
  regionCode: string | null;
  maturity: string | null;
  organisationId: string | null;
}

export function other(side: Side): Side {
  return side === 'need' ? 'offer' : 'need';
}

/** What another party may see of a listing: a confidential description never leaves. */
export function publicView(l: ListingRow, score: number): MatchItem {
  return {
    id: l.id,
    side: l.side,
    score: Math.round(score * 1e6) / 1e6,
    title: l.title,
    description: l.confidentiality === 'confidential' ? null : l.description,
    keywords: l.keywords,
    industry: l.industry,
    regionCode: l.regionCode,
    maturity: l.maturity,
    organisationId: l.organisationId,
  };
}

/** Dense matching (cosine over the active model's index). The ranking issue builds on this. */
export class MatchService {
  constructor(
    private readonly store: EmbeddingStore,
    private readonly index: VectorIndexRegistry,
    private readonly embedder: Embedder,
  ) {}

  /** Counterparts of a stored listing, best first. */
  forListing(l: ListingRow, limit: number): MatchItem[] {
    if (l.embeddingStatus !== 'ready') {
      throw new AppError(
        'not_ready',
        `listing ${l.id} has embedding status "${l.embeddingStatus}"; matches are available once it is ready`,
        { embeddingStatus: l.embeddingStatus },
      );
    }
    const own = this.store.get(l.id, this.embedder.model.id);
    if (!own)
      throw new AppError('not_ready', `listing ${l.id} has no vector for the active model yet`);
    return this.search(other(l.side), own.vector, limit);
  }

  /** Listings of `side` nearest to a free text. */
  async forText(text: string, side: Side, limit: number): Promise<MatchItem[]> {
    const [v] = await this.embedder.embed([text], 'query');
    if (!v) throw new Error('embedder returned no vector');
    return this.search(side, v, limit);
  }

  /**
   * Searches, then checks each hit against the database: a label whose vector row is gone
   * (deleted or re-embedded listing) is stale and dropped from the index; closed listings are
   * skipped. Over-fetches and widens until `limit` live hits are found or the index is spent.
   */
  search(side: Side, vector: Float32Array, limit: number): MatchItem[] {
    const idx = this.index.get(side);
    let k = Math.min(idx.size, limit * 2 + 10);
    for (;;) {
      const hits = idx.search(vector, k);
      const rows = this.store.resolve(hits.map((h) => h.id));
      const out: MatchItem[] = [];
      for (const h of hits) {
        const row = rows.get(h.id);
        if (!row) {
          this.index.forget(side, h.id);
          continue;
        }
        if (row.status !== 'active') continue;
        out.push(publicView(row, h.score));
        if (out.length === limit) return out;
      }
      if (k >= idx.size) return out;
      k = Math.min(idx.size, k * 2);
    }
  }
}
