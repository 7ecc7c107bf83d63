import type { SlimListing } from '../db/listing-rows.ts';
import type { ListingRow } from '../db/schema.ts';
import type { Embedder } from '../embedding/embedder.ts';
import type { EmbeddingStore } from '../embedding/store.ts';
import { passageText } from '../embedding/text.ts';
import { AppError } from '../http/errors.ts';
import type { VectorIndexRegistry } from '../index/registry.ts';
import type { ListingRepo } from '../listings/repo.ts';
import type { Side } from '../listings/schemas.ts';
import {
  budgetScore,
  cooperationScore,
  FEATURES,
  freshnessScore,
  industryScore,
  keywordScore,
  maturityRank,
  maturityScore,
  regionScore,
  resolveWeights,
  type Feature,
  type PairSide,
  type PartialWeights,
  type RankWeights,
} from './features.ts';
import { Hubness } from './hubness.ts';
import { pairBags, type LexicalIndex, type PairBags } from './lexical.ts';
import { other, publicView, type MatchItem } from './views.ts';
import { explain, type Reason } from './reasons.ts';
import { keyTerms } from './segment.ts';

/** dense: vectors only; lexical: FTS5 BM25 only; hybrid: both, text features; full: all features. */
export type RankMode = 'dense' | 'lexical' | 'hybrid' | 'full';

export interface RankFilters {
  /** Administrative-code prefix the counterpart must have ("44", "4403", "440305"). */
  regionPrefix?: string;
  industry?: string;
  /** Offers below this maturity are dropped (applies when offers are ranked). */
  minMaturity?: string;
}

export interface RankRequest {
  limit: number;
  mode?: RankMode;
  weights?: PartialWeights;
  filters?: RankFilters;
}

export interface RankedMatch extends MatchItem {
  components: Record<Feature, number>;
  reasons: Reason[];
}

interface Query {
  /** The listing being matched; absent for free text. */
  listing?: ListingRow;
  text: string;
  /** Key words (reasons). */
  terms: string[];
  /** Word/bigram and character counts (the lexical feature). */
  bag: PairBags;
  vector: Float32Array;
  /** Row id of the stored vector (a listing's): keys its cached hubness. */
  vectorId?: number;
}

interface Candidate {
  row: SlimListing;
  semantic?: number;
  bm25?: number;
  vectorId?: number;
  /** Read for lexical-only candidates (their cosine); kNN hits come without one. */
  vector?: Float32Array;
  /** CSLS hubness against the query's side (see hubness.ts). */
  hub?: number;
}

/** Over-fetch from each retriever: filters and re-ranking need room to work. */
const CANDIDATES = 100;

/**
 * Candidates from dense kNN ∪ lexical top-K, hard filters, then a weighted sum of pair
 * features. Every feature is a function of the unordered (need, offer) pair, so the score of a
 * pair is the same from either side: how well the offer suits the need is how well the need
 * suits the offer.
 */
export class Ranker {
  private readonly hubness: Hubness;

  constructor(
    private readonly deps: {
      store: EmbeddingStore;
      index: VectorIndexRegistry;
      lexical: LexicalIndex;
      repo: ListingRepo;
      embedder: Embedder;
      weights?: PartialWeights;
    },
  ) {
    this.hubness = new Hubness(deps.index);
  }

  /** Counterparts of a stored listing. */
  forListing(l: ListingRow, req: RankRequest): RankedMatch[] {
    if (l.embeddingStatus !== 'ready') {
      throw new AppError(
        'not_ready',
        `listing ${l.id} has embedding status "${l.embeddingStatus}"; matches are available once it is ready`,
        {
          embeddingStatus: l.embeddingStatus,
        },
      );
    }
    const own = this.deps.store.get(l.id, this.deps.embedder.model.id);
    if (!own)
      throw new AppError('not_ready', `listing ${l.id} has no vector for the active model yet`);
    const text = passageText(l);
    const terms = this.deps.lexical.terms([l.id]).get(l.id) ?? [...keyTerms(text)];
    const bag = this.deps.lexical.bags([l.id]).get(l.id) ?? pairBags(text);
    return this.rank(
      { listing: l, text, terms, bag, vector: own.vector, vectorId: own.id },
      other(l.side),
      req,
    );
  }

  /** Listings of `side` for a free text (no metadata: text features only). */
  async forText(text: string, side: Side, req: RankRequest): Promise<RankedMatch[]> {
    const [vector] = await this.deps.embedder.embed([text], 'query');
    if (!vector) throw new Error('embedder returned no vector');
    return this.rank({ text, terms: [...keyTerms(text)], bag: pairBags(text), vector }, side, req);
  }

  private rank(q: Query, side: Side, req: RankRequest): RankedMatch[] {
    const mode = req.mode ?? 'full';
    const weights = resolveWeights(this.deps.weights, req.weights);
    const k = Math.max(CANDIDATES, req.limit * 3);
    const cands = new Map<string, Candidate>();

    if (mode !== 'lexical') {
      const idx = this.deps.index.get(side);
      const hits = idx.search(q.vector, Math.min(k, idx.size));
      const rows = this.deps.store.resolve(hits.map((h) => h.id));
      for (const h of hits) {
        const row = rows.get(h.id);
        if (!row) this.deps.index.forget(side, h.id);
        else cands.set(row.id, { row, semantic: h.score, vectorId: h.id });
      }
    }
    if (mode !== 'dense') {
      const hits = this.deps.lexical.search(side, q.text, k);
      const missing = hits.filter((h) => !cands.has(h.listingId)).map((h) => h.listingId);
      for (const row of this.deps.repo.getManySlim(missing)) cands.set(row.id, { row });
      for (const h of hits) {
        const c = cands.get(h.listingId);
        if (c) c.bm25 = h.score;
      }
      if (mode !== 'lexical') this.fillSemantic(q.vector, [...cands.values()]);
    }

    const pool = [...cands.values()].filter((c) => this.passes(c.row, q.listing, req.filters));
    // The query's hubness is against the ranked side, each candidate's against the query's.
    let queryHub: number | undefined;
    if (mode !== 'lexical') {
      queryHub =
        q.vectorId === undefined
          ? this.hubness.compute(side, q.vector)
          : this.hubness.of(q.vectorId, side, q.vector);
      this.fillHubness(pool, other(side));
    }
    const ids = pool.map((c) => c.row.id);
    const bags = this.deps.lexical.bags(ids);
    const maxBm25 = Math.max(1e-9, ...pool.map((c) => c.bm25 ?? 0));
    const now = Date.now();
    const scored = pool.map((c) => {
      const components = this.components(q, c, bags.get(c.row.id), queryHub, now);
      const score =
        mode === 'dense'
          ? // CSLS / 2: cos − (r(query) + r(candidate)) / 2.
            components.semantic + components.specificity - 1
          : mode === 'lexical'
            ? (c.bm25 ?? 0) / maxBm25
            : weightedSum(
                components,
                weights,
                mode === 'hybrid' ? ['semantic', 'specificity', 'lexical'] : FEATURES,
              );
      return { c, components, score };
    });
    scored.sort((a, b) => b.score - a.score || (a.c.row.id < b.c.row.id ? -1 : 1));
    const top = scored.slice(0, req.limit);
    // Reasons only for what is returned: key terms are fetched for the top, not the pool.
    const topIds = top.map((s) => s.c.row.id);
    const terms = this.deps.lexical.terms(topIds);
    const full = new Map(this.deps.repo.getMany(topIds).map((r) => [r.id, r]));
    const idf = (t: string) => this.deps.lexical.idf(t);
    return top.map(({ c, components, score }) => ({
      ...publicView(full.get(c.row.id) ?? { ...c.row, description: '' }, score),
      components: roundAll(components),
      reasons: explain(q.listing, c.row, components, terms.get(c.row.id) ?? [], q.terms, idf),
    }));
  }

  /** Cosine for lexical-only candidates, from their stored vectors. */
  private fillSemantic(v: Float32Array, cands: Candidate[]): void {
    const need = cands.filter((c) => c.semantic === undefined);
    const vecs = this.deps.store.vectors(
      need.map((c) => c.row.id),
      this.deps.embedder.model.id,
    );
    for (const c of need) {
      const u = vecs.get(c.row.id);
      c.semantic = u ? dot(u.vector, v) : 0;
      if (u) {
        c.vectorId = u.id;
        c.vector = u.vector;
      }
    }
  }

  /**
   * Hubness of candidates from the cache; the rest from the vectors already read (lexical-only
   * candidates) or, for kNN hits, read here once.
   */
  private fillHubness(cands: Candidate[], against: Side): void {
    const unread: Candidate[] = [];
    for (const c of cands) {
      c.hub = c.vectorId === undefined ? undefined : this.hubness.cached(c.vectorId, against);
      if (c.hub !== undefined) continue;
      if (c.vector && c.vectorId !== undefined) {
        c.hub = this.hubness.of(c.vectorId, against, c.vector);
      } else unread.push(c);
    }
    if (unread.length === 0) return;
    const vecs = this.deps.store.vectors(
      unread.map((c) => c.row.id),
      this.deps.embedder.model.id,
    );
    for (const c of unread) {
      const u = vecs.get(c.row.id);
      if (!u) continue;
      c.vectorId = u.id;
      c.hub = this.hubness.of(u.id, against, u.vector);
    }
  }

  /** Hard filters: active only, never the querying organisation, region/industry/maturity. */
  private passes(
    row: SlimListing,
    query: ListingRow | undefined,
    f: RankFilters | undefined,
  ): boolean {
    if (row.status !== 'active') return false;
    if (query?.organisationId && row.organisationId === query.organisationId) return false;
    if (f?.regionPrefix && !(row.regionCode ?? '').startsWith(f.regionPrefix)) return false;
    if (f?.industry && row.industry !== f.industry) return false;
    if (
      f?.minMaturity &&
      row.side === 'offer' &&
      maturityRank(row.maturity) < maturityRank(f.minMaturity)
    )
      return false;
    return true;
  }

  private components(
    q: Query,
    c: Candidate,
    bag: PairBags | undefined,
    queryHub: number | undefined,
    now: number,
  ): Record<Feature, number> {
    const a: PairSide | undefined = q.listing;
    const b: PairSide = c.row;
    const needIsQuery = (q.listing?.side ?? other(c.row.side)) === 'need';
    const lexical = bag
      ? needIsQuery
        ? this.deps.lexical.reciprocal(q.bag, bag)
        : this.deps.lexical.reciprocal(bag, q.bag)
      : 0;
    const semantic = Math.max(0, c.semantic ?? 0);
    // Unknown (lexical mode, or a candidate without a vector yet): neutral.
    const specificity =
      queryHub === undefined || c.hub === undefined
        ? 0.5
        : Math.min(1, Math.max(0, 1 - (queryHub + c.hub) / 2));
    if (!a) {
      return {
        semantic,
        specificity,
        lexical,
        keywords: 0.5,
        industry: 0.5,
        region: 0.5,
        maturity: 0.5,
        budget: 0.5,
        cooperation: 0.5,
        freshness: freshnessScore(b, b, now),
      };
    }
    return {
      semantic,
      specificity,
      lexical,
      keywords: keywordScore(a, b).score,
      industry: industryScore(a, b),
      region: regionScore(a, b).score,
      maturity: maturityScore(a, b),
      budget: budgetScore(a, b),
      cooperation: cooperationScore(a, b).score,
      freshness: freshnessScore(a, b, now),
    };
  }
}

function weightedSum(c: Record<Feature, number>, w: RankWeights, use: readonly Feature[]): number {
  let s = 0;
  let total = 0;
  for (const f of use) {
    s += w[f] * c[f];
    total += w[f];
  }
  return total > 0 ? s / total : 0;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function roundAll(c: Record<Feature, number>): Record<Feature, number> {
  const out = {} as Record<Feature, number>;
  for (const f of FEATURES) out[f] = Math.round(c[f] * 1e4) / 1e4;
  return out;
}
