import type { HnswIndex } from '../index/hnsw.ts';
import type { Side } from '../listings/schemas.ts';

/** The per-side vector indexes hubness searches (the VectorIndexRegistry). */
export interface SideIndexes {
  get(side: Side): Pick<HnswIndex, 'search' | 'size'>;
}

/** Neighbours averaged into a listing's hubness: the k of CSLS (Conneau et al., 2018). */
export const HUB_K = 10;
/** A cached hubness is reused while the searched side's size has moved by at most this share. */
const DRIFT = 0.05;
const MAX_CACHED = 200_000;

/**
 * Hubness for CSLS (cross-domain similarity local scaling): r(x), the mean cosine of a vector to
 * its k nearest listings of the other side. Some texts (a broad survey, a generic "we do
 * materials") sit close to everything and win many rankings on cosine alone; CSLS ranks by
 * 2·cos(x, y) − r(x) − r(y) instead, which asks how much closer the pair is than either
 * listing's usual neighbours. r depends only on one listing and the corpus, so a pair's score
 * stays the same from either side.
 *
 * Cached by vector row id (a new text is a new row), and recomputed once the other side has grown
 * or shrunk by more than `DRIFT`: like IDF, r only needs to be roughly current.
 */
export class Hubness {
  private readonly cache = new Map<number, { r: number; against: Side; size: number }>();

  constructor(
    private readonly index: SideIndexes,
    private readonly k = HUB_K,
  ) {}

  /** r of a stored vector against the listings of `against`, if a current value is cached. */
  cached(vectorId: number, against: Side): number | undefined {
    const e = this.cache.get(vectorId);
    if (!e || e.against !== against) return undefined;
    const size = this.index.get(against).size;
    return Math.abs(size - e.size) <= Math.floor(e.size * DRIFT) ? e.r : undefined;
  }

  /** r of a stored vector against the listings of `against` (cached). */
  of(vectorId: number, against: Side, vector: Float32Array): number {
    const hit = this.cached(vectorId, against);
    if (hit !== undefined) return hit;
    const r = this.compute(against, vector);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(vectorId, { r, against, size: this.index.get(against).size });
    return r;
  }

  /** r of any vector (a free-text query) against the listings of `against`; 0 when there are none. */
  compute(against: Side, vector: Float32Array): number {
    const hits = this.index.get(against).search(vector, this.k);
    if (hits.length === 0) return 0;
    let s = 0;
    for (const h of hits) s += h.score;
    return s / hits.length;
  }
}
