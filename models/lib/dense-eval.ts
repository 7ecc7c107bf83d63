/**
 * Dense-only retrieval evaluation: rank every offer by cosine similarity for each need and score
 * the top 10 against the qrels. The embedder is a parameter, so the in-memory training loop and
 * the real transformers.js pipeline are measured by the same code.
 */
import { evaluateRun, type RankingMetrics, type Run } from '../../src/matching/metrics.ts';
import type { EvalSet } from './eval-data.ts';

/** Embeds texts into unit vectors, row-major (texts.length × dim). */
export type Embedder = (texts: string[]) => Promise<Float32Array> | Float32Array;

/** One line of results: a set, a qrels slice and its metrics. */
export interface EvalRow extends RankingMetrics {
  set: string;
  slice: string;
}

/** Ranks `docs` for each query by dot product (cosine for unit vectors), keeping the top `k`. */
export function rankByDot(
  queries: Float32Array,
  queryIds: readonly string[],
  docs: Float32Array,
  docIds: readonly string[],
  dim: number,
  k = 10,
): Run {
  const run: Run = new Map();
  const nd = docIds.length;
  const scores = new Float32Array(nd);
  queryIds.forEach((qid, qi) => {
    const qo = qi * dim;
    for (let d = 0; d < nd; d++) {
      const o = d * dim;
      let s = 0;
      for (let c = 0; c < dim; c++) s += queries[qo + c]! * docs[o + c]!;
      scores[d] = s;
    }
    // Partial selection: keep a sorted top-k list; ties go to the earlier document for stability.
    const top: number[] = [];
    for (let d = 0; d < nd; d++) {
      const s = scores[d]!;
      if (top.length === k && s <= scores[top[k - 1]!]!) continue;
      let pos = top.length;
      while (pos > 0 && scores[top[pos - 1]!]! < s) pos--;
      top.splice(pos, 0, d);
      if (top.length > k) top.pop();
    }
    run.set(
      qid,
      top.map((d) => docIds[d]!),
    );
  });
  return run;
}

/** Embeds each set's needs and offers and reports nDCG@10, recall@10 and MRR@10 per qrels slice. */
export async function evaluateDense(
  embed: Embedder,
  sets: EvalSet[],
  dim: number,
): Promise<EvalRow[]> {
  const rows: EvalRow[] = [];
  const offerCache = new Map<EvalSet['offers'], Float32Array>();
  for (const set of sets) {
    let offers = offerCache.get(set.offers);
    if (!offers) {
      offers = await embed(set.offers.map((o) => o.text));
      offerCache.set(set.offers, offers);
    }
    const needs = await embed(set.needs.map((n) => n.text));
    const run = rankByDot(
      needs,
      set.needs.map((n) => n.id),
      offers,
      set.offers.map((o) => o.id),
      dim,
    );
    for (const [slice, qrels] of Object.entries(set.qrels)) {
      rows.push({ set: set.name, slice, ...evaluateRun(run, qrels, 10) });
    }
  }
  return rows;
}

/** Formats result rows as an aligned plain-text table. */
export function formatRows(rows: EvalRow[], label = ''): string {
  return rows
    .map(
      (r) =>
        `${label}${r.set.padEnd(9)} ${r.slice.padEnd(10)} n=${String(r.queries).padStart(4)}  ` +
        `nDCG@10 ${r.ndcg.toFixed(4)}  R@10 ${r.recall.toFixed(4)}  MRR@10 ${r.mrr.toFixed(4)}`,
    )
    .join('\n');
}
