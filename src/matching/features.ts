import Type, { type Static } from 'typebox';

/** Every feature of a need–offer pair, each in [0, 1]. */
export const FEATURES = [
  'semantic',
  'specificity',
  'lexical',
  'keywords',
  'industry',
  'region',
  'maturity',
  'budget',
  'cooperation',
  'freshness',
] as const;
export type Feature = (typeof FEATURES)[number];

export const RankWeightsSchema = Type.Object(
  Object.fromEntries(
    FEATURES.map((f) => [f, Type.Optional(Type.Number({ minimum: 0, maximum: 100 }))]),
  ) as Record<Feature, ReturnType<typeof Type.Optional<ReturnType<typeof Type.Number>>>>,
  { additionalProperties: false },
);
export type RankWeights = Record<Feature, number>;
export type PartialWeights = Partial<Static<typeof RankWeightsSchema>>;

/**
 * Default weights. Text similarity dominates; metadata features move a pair within the band its
 * text earns. Semantic : lexical = 0.11 : 0.69 (with the lexical feature's character share and
 * BM25 b, see lexical.ts) was fitted on ../shared/data/eval (csl-dev titles and keyword lists →
 * abstracts, shipped model; README, "Match quality") to maximise the smaller of the two
 * low-overlap margins over the BM25 baseline; neighbouring ratios score within about 0.01.
 * The static default model is weaker alone than BM25, so it mainly re-orders what both
 * retrievers find; a stronger model (RANK_WEIGHTS, or per request) deserves a larger share.
 * Specificity (1 − the mean CSLS hubness of the two listings, see hubness.ts) at twice the
 * semantic weight turns the semantic part into cos − (r(need) + r(offer)); on the same sets a
 * coarse grid (0.11 … 0.33) scored within 0.001 of the best margin from 0.22 to 0.275.
 */
export const DEFAULT_WEIGHTS: RankWeights = {
  semantic: 0.11,
  specificity: 0.22,
  lexical: 0.69,
  keywords: 0.05,
  industry: 0.04,
  region: 0.03,
  maturity: 0.03,
  budget: 0.02,
  cooperation: 0.02,
  freshness: 0.01,
};

/** The fields of a listing that features read. */
export interface PairSide {
  side: 'need' | 'offer';
  keywords: string[];
  industry: string | null;
  regionCode: string | null;
  maturity: string | null;
  cooperationModes: string[];
  priceMin: number | null;
  priceMax: number | null;
  updatedAt: Date;
}

const MATURITY_ORDER = ['concept', 'lab', 'sample', 'small_trial', 'pilot', 'production'];
/** Unknown metadata neither helps nor hurts a pair. */
const NEUTRAL = 0.5;

/** Symmetric IDF-weighted cosine of two term sets, with the shared terms best first. */
export function termOverlap(
  a: readonly string[],
  b: readonly string[],
  idf: (t: string) => number,
): { score: number; shared: string[] } {
  if (a.length === 0 || b.length === 0) return { score: 0, shared: [] };
  const bs = new Set(b);
  let na = 0;
  let nb = 0;
  let dot = 0;
  const shared: string[] = [];
  for (const t of a) {
    const w = idf(t) ** 2;
    na += w;
    if (bs.has(t)) {
      dot += w;
      shared.push(t);
    }
  }
  for (const t of b) nb += idf(t) ** 2;
  shared.sort((x, y) => idf(y) * y.length - idf(x) * x.length);
  return { score: dot / Math.sqrt(na * nb), shared };
}

export function keywordScore(a: PairSide, b: PairSide): { score: number; shared: string[] } {
  if (a.keywords.length === 0 || b.keywords.length === 0) return { score: NEUTRAL, shared: [] };
  const bs = new Set(b.keywords.map((k) => k.toLowerCase()));
  const shared = a.keywords.filter((k) => bs.has(k.toLowerCase()));
  return {
    score: Math.min(1, shared.length / Math.min(3, a.keywords.length, b.keywords.length)),
    shared,
  };
}

export function industryScore(a: PairSide, b: PairSide): number {
  if (!a.industry || !b.industry) return NEUTRAL;
  if (a.industry === b.industry) return 1;
  // "电子信息-计算机软件" vs "电子信息-集成电路": same field, different branch.
  const top = (s: string) => s.split(/[-/·]/)[0];
  return top(a.industry) === top(b.industry) ? 0.7 : 0;
}

/** Region by administrative-code prefix: same district 1, city 0.8, province 0.6. */
export function regionScore(
  a: PairSide,
  b: PairSide,
): { score: number; level: 'district' | 'city' | 'province' | null } {
  const x = a.regionCode;
  const y = b.regionCode;
  if (!x || !y) return { score: NEUTRAL, level: null };
  if (x === y) return { score: 1, level: 'district' };
  if (x.slice(0, 4) === y.slice(0, 4)) return { score: 0.8, level: 'city' };
  if (x.slice(0, 2) === y.slice(0, 2)) return { score: 0.6, level: 'province' };
  return { score: 0.2, level: null };
}

function needOffer(a: PairSide, b: PairSide): [PairSide, PairSide] {
  return a.side === 'need' ? [a, b] : [b, a];
}

/** The offer's readiness against the need's minimum: met 1, one step short 0.5, more 0. */
export function maturityScore(a: PairSide, b: PairSide): number {
  const [need, offer] = needOffer(a, b);
  const want = need.maturity ? MATURITY_ORDER.indexOf(need.maturity) : -1;
  const have = offer.maturity ? MATURITY_ORDER.indexOf(offer.maturity) : -1;
  if (want < 0 || have < 0) return NEUTRAL;
  if (have >= want) return 1;
  return have === want - 1 ? 0.5 : 0;
}

/** The need's budget against the offer's asking price: overlapping ranges 1, else the ratio. */
export function budgetScore(a: PairSide, b: PairSide): number {
  const [need, offer] = needOffer(a, b);
  const budget = need.priceMax ?? need.priceMin;
  const price = offer.priceMin ?? offer.priceMax;
  if (budget === null || price === null) return NEUTRAL;
  if (price <= budget) return 1;
  return budget <= 0 ? 0 : Math.max(0, Math.min(1, budget / price));
}

export function cooperationScore(a: PairSide, b: PairSide): { score: number; shared: string[] } {
  if (a.cooperationModes.length === 0 || b.cooperationModes.length === 0)
    return { score: NEUTRAL, shared: [] };
  const shared = a.cooperationModes.filter((m) => b.cooperationModes.includes(m));
  return { score: shared.length > 0 ? 1 : 0, shared };
}

/** The older listing of the pair decides: a year halves nothing, it fades by e^-age/yr. */
export function freshnessScore(a: PairSide, b: PairSide, now: number): number {
  const oldest = Math.min(a.updatedAt.getTime(), b.updatedAt.getTime());
  const years = Math.max(0, now - oldest) / (365 * 24 * 3600 * 1000);
  return Math.exp(-years);
}

/** Maturity rank: used by the minimum-maturity hard filter. */
export function maturityRank(m: string | null): number {
  return m ? MATURITY_ORDER.indexOf(m) : -1;
}

/** Weights resolved from defaults, config and a request, in that order. */
export function resolveWeights(...layers: (PartialWeights | undefined)[]): RankWeights {
  const w = { ...DEFAULT_WEIGHTS };
  for (const l of layers)
    if (l) for (const [k, v] of Object.entries(l)) if (v !== undefined) w[k as Feature] = v;
  return w;
}
