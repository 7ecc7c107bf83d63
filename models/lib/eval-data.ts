/**
 * Loads the labelled dev retrieval sets (`../shared/data/eval/csl-dev/`, BEIR layout): paper
 * titles → abstracts, and keyword lists → the same abstracts, each with full and low-overlap qrels.
 * Used only to measure models, never to train them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseQrels, type Qrels } from '../../src/matching/metrics.ts';
import { sharedDataPath } from '../../src/util/shared-data.ts';

/** A text with its BEIR id. */
export interface EvalText {
  id: string;
  text: string;
}

/** One labelled set: queries (needs), the shared corpus (offers) and named qrels slices. */
export interface EvalSet {
  name: string;
  needs: EvalText[];
  offers: EvalText[];
  /** Slices by name, e.g. `full`, `lowoverlap`. */
  qrels: Record<string, Qrels>;
}

function readJsonl(path: string): EvalText[] {
  const out: EvalText[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as { _id: string; text: string };
    out.push({ id: row._id, text: row.text });
  }
  return out;
}

/** The csl-dev title set and its keywords set, with full and low-overlap qrels each. */
export function loadEvalSets(): EvalSet[] {
  const root = sharedDataPath('eval', 'csl-dev');
  const offers = readJsonl(join(root, 'offers.jsonl'));
  const qrels = (p: string): Qrels => parseQrels(readFileSync(join(root, p), 'utf8'));
  return [
    {
      name: 'csl-dev',
      needs: readJsonl(join(root, 'needs.jsonl')),
      offers,
      qrels: {
        full: qrels('qrels.tsv'),
        stem: qrels('qrels_stem.tsv'),
        lowoverlap: qrels('qrels_lowoverlap.tsv'),
      },
    },
    {
      name: 'keywords',
      needs: readJsonl(join(root, 'keywords', 'needs.jsonl')),
      offers: readJsonl(join(root, 'keywords', 'offers.jsonl')),
      qrels: {
        full: qrels('keywords/qrels.tsv'),
        lowoverlap: qrels('keywords/qrels_lowoverlap.tsv'),
      },
    },
  ];
}

/** The BM25 baseline figures shipped with the eval set (`baseline.json`), keyed by qrels path. */
export function loadBaseline(): Map<string, { ndcg: number; recall: number; mrr: number }> {
  const raw = JSON.parse(
    readFileSync(sharedDataPath('eval', 'csl-dev', 'baseline.json'), 'utf8'),
  ) as {
    results: Array<{ set: string; 'nDCG@10': number; 'recall@10': number; 'MRR@10': number }>;
  };
  return new Map(
    raw.results.map((r) => [
      r.set,
      { ndcg: r['nDCG@10'], recall: r['recall@10'], mrr: r['MRR@10'] },
    ]),
  );
}
