import Type, { type Static } from 'typebox';

/**
 * Weights of the rematch ranking. `dense` scales the cosine similarity; `industry` and `region`
 * are bonuses for a counterpart in the same industry / the same province (first two digits of
 * the region code). Recorded on every run, so two runs with different weights can be diffed.
 */
export const RankingWeights = Type.Object(
  {
    dense: Type.Number({ minimum: 0, maximum: 100, default: 1 }),
    industry: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
    region: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
  },
  { additionalProperties: false },
);
export type RankingWeights = Static<typeof RankingWeights>;

export const DEFAULT_WEIGHTS: RankingWeights = { dense: 1, industry: 0, region: 0 };

/** What ranking knows of a listing besides its vector. */
export interface ListingFacts {
  id: string;
  industry: string | null;
  regionCode: string | null;
}

/** A counterpart found by the vector search, with its cosine similarity. */
export interface DenseCandidate {
  listing: ListingFacts;
  dense: number;
}

/** One ranked pair: the counterpart, its 1-based rank, its score and the parts of the score. */
export interface RankedPair {
  candidateId: string;
  rank: number;
  score: number;
  reasons: Record<string, number>;
}

/**
 * The rematch ranking, kept behind this one function so that the full feature ranker
 * (src/matching/) can replace it without touching runs, chunks or storage. Today: the dense
 * score plus optional same-industry / same-province bonuses. Ties break on the counterpart id,
 * so a rerun on the same data gives the same order.
 */
export function rankPairsDense(
  query: ListingFacts,
  candidates: DenseCandidate[],
  k: number,
  weights: RankingWeights,
): RankedPair[] {
  const qp = query.regionCode?.slice(0, 2);
  const scored: RankedPair[] = candidates.map((c) => {
    const reasons: Record<string, number> = { dense: round(c.dense) };
    let score = weights.dense * c.dense;
    if (weights.industry > 0 && query.industry !== null && c.listing.industry === query.industry) {
      reasons.industry = 1;
      score += weights.industry;
    }
    if (weights.region > 0 && qp !== undefined && c.listing.regionCode?.slice(0, 2) === qp) {
      reasons.region = 1;
      score += weights.region;
    }
    return { candidateId: c.listing.id, rank: 0, score: round(score), reasons };
  });
  // Candidates arrive in dense order, so with dense weights alone this sort only settles ties.
  scored.sort(
    (a, b) =>
      b.score - a.score ||
      (a.candidateId < b.candidateId ? -1 : a.candidateId > b.candidateId ? 1 : 0),
  );
  if (scored.length > k) scored.length = k;
  for (let i = 0; i < scored.length; i++) scored[i]!.rank = i + 1;
  return scored;
}

/** Six decimals: enough to order pairs, and stable across processes and platforms. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
