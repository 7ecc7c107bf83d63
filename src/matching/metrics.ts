/**
 * Ranking metrics for retrieval evaluation (BEIR / TREC conventions): nDCG@k with linear gain,
 * recall@k and MRR@k, averaged over the queries that have at least one relevant document.
 */

/** Relevance judgements: query id → (document id → graded relevance; > 0 means relevant). */
export type Qrels = Map<string, Map<string, number>>;

/** A ranked result list per query, best first. Scores are not needed, only the order. */
export type Run = Map<string, readonly string[]>;

/** Mean metric values over the judged queries. */
export interface RankingMetrics {
  /** Number of judged queries (those with at least one relevant document). */
  queries: number;
  ndcg: number;
  recall: number;
  mrr: number;
  k: number;
}

/** Parses a BEIR qrels TSV (`query-id	corpus-id	score`, optional header line). */
export function parseQrels(tsv: string): Qrels {
  const qrels: Qrels = new Map();
  for (const line of tsv.split('\n')) {
    const [qid, docId, score] = line.trim().split('\t');
    if (qid === undefined || docId === undefined || score === undefined) continue;
    const grade = Number(score);
    // The header line ("query-id corpus-id score") has a non-numeric score and is skipped here.
    if (!Number.isFinite(grade)) continue;
    let judged = qrels.get(qid);
    if (!judged) {
      judged = new Map();
      qrels.set(qid, judged);
    }
    judged.set(docId, grade);
  }
  return qrels;
}

function relevantOf(judged: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...judged].filter(([, g]) => g > 0));
}

/** nDCG@k of one ranking (linear gain, log2 discount); 0 when nothing is relevant. */
export function ndcgAt(
  ranking: readonly string[],
  judged: ReadonlyMap<string, number>,
  k = 10,
): number {
  const relevant = relevantOf(judged);
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) {
    const g = relevant.get(ranking[i] ?? '') ?? 0;
    if (g > 0) dcg += g / Math.log2(i + 2);
  }
  const ideal = [...relevant.values()].sort((a, b) => b - a).slice(0, k);
  let idcg = 0;
  ideal.forEach((g, i) => (idcg += g / Math.log2(i + 2)));
  return idcg > 0 ? dcg / idcg : 0;
}

/** Share of the relevant documents found in the top k. */
export function recallAt(
  ranking: readonly string[],
  judged: ReadonlyMap<string, number>,
  k = 10,
): number {
  const relevant = relevantOf(judged);
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (const id of ranking.slice(0, k)) if (relevant.has(id)) hits++;
  return hits / relevant.size;
}

/** Reciprocal rank of the first relevant document within the top k, else 0. */
export function mrrAt(
  ranking: readonly string[],
  judged: ReadonlyMap<string, number>,
  k = 10,
): number {
  const relevant = relevantOf(judged);
  const top = ranking.slice(0, k);
  for (let i = 0; i < top.length; i++) if (relevant.has(top[i] ?? '')) return 1 / (i + 1);
  return 0;
}

/**
 * Averages nDCG@k, recall@k and MRR@k over every judged query in `qrels`; a judged query missing
 * from the run scores 0, so a run cannot look better by dropping hard queries.
 */
export function evaluateRun(run: Run, qrels: Qrels, k = 10): RankingMetrics {
  let n = 0;
  let ndcg = 0;
  let recall = 0;
  let mrr = 0;
  for (const [qid, judged] of qrels) {
    if (relevantOf(judged).size === 0) continue;
    const ranking = run.get(qid) ?? [];
    n++;
    ndcg += ndcgAt(ranking, judged, k);
    recall += recallAt(ranking, judged, k);
    mrr += mrrAt(ranking, judged, k);
  }
  return n === 0
    ? { queries: 0, ndcg: 0, recall: 0, mrr: 0, k }
    : { queries: n, ndcg: ndcg / n, recall: recall / n, mrr: mrr / n, k };
}
