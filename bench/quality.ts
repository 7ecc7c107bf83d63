import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/log.ts';
import { evaluateDataset } from '../src/matching/evaluate.ts';
import type { RankMode } from '../src/matching/ranker.ts';
import { sharedDataPath } from '../src/util/shared-data.ts';
import { emit } from './lib/listings.ts';

interface Baseline {
  results: { set: string; 'nDCG@10': number; 'recall@10': number; 'MRR@10': number }[];
}

/** Every BEIR folder under ../shared/data/eval (a folder with needs.jsonl), depth first. */
function evalSets(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (existsSync(join(dir, 'needs.jsonl'))) out.push(dir);
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(root);
  return out;
}

/**
 * The ablation table: lexical / dense / hybrid / full nDCG@10 (and recall, MRR) on every eval
 * set and qrels slice, beside the BM25 baseline each set ships, plus the cost of ranking one
 * need against bare HNSW kNN. Options: --model DIR, --modes dense,lexical,...
 */
export default async function qualityBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      modes: { type: 'string', default: 'lexical,dense,hybrid,full' },
    },
  });
  const modes = values.modes.split(',') as RankMode[];
  const root = sharedDataPath('eval');
  const dataRoot = join(root, '..');
  const log = createLogger('warn', 'bench');
  for (const dir of evalSets(root)) {
    const baselineFile = [join(dir, 'baseline.json'), join(dir, '..', 'baseline.json')].find(
      existsSync,
    );
    const baseline = baselineFile
      ? (JSON.parse(readFileSync(baselineFile, 'utf8')) as Baseline).results
      : [];
    const qrels = readdirSync(dir)
      .filter((f) => /^qrels.*\.tsv$/.test(f))
      .sort()
      .map((f) => join(dir, f));
    const res = await evaluateDataset({ dataset: dir, qrels, modes, modelPath: values.model, log });
    process.stdout.write(
      `\n${relative(dataRoot, dir)}: ${res.needs} needs × ${res.offers} offers, model ${res.model}, ingest ${res.ingestSeconds.toFixed(0)} s\n`,
    );
    process.stdout.write(
      `${'qrels'.padEnd(22)} ${'BM25 base'.padStart(9)} ${modes.map((m) => m.padStart(8)).join(' ')}   (nDCG@10)\n`,
    );
    for (const q of qrels) {
      const set = relative(dataRoot, q);
      const base = baseline.find((b) => b.set === set);
      const row = modes.map(
        (m) => res.modes.find((x) => x.mode === m)!.perQrels.find((p) => p.qrels === q)!.metrics,
      );
      process.stdout.write(
        `${q.split('/').pop()!.padEnd(22)} ${(base ? base['nDCG@10'].toFixed(4) : '—').padStart(9)} ${row.map((r) => r.ndcg.toFixed(4).padStart(8)).join(' ')}\n`,
      );
      modes.forEach((m, i) => {
        const r = row[i]!;
        emit({
          bench: 'quality',
          set,
          mode: m,
          model: res.model,
          queries: r.queries,
          ndcg10: +r.ndcg.toFixed(4),
          recall10: +r.recall.toFixed(4),
          mrr10: +r.mrr.toFixed(4),
          baseline_ndcg10: base?.['nDCG@10'] ?? null,
          delta_vs_baseline: base ? +(r.ndcg - base['nDCG@10']).toFixed(4) : null,
        });
      });
    }
    const cost = Object.fromEntries(res.modes.map((m) => [m.mode, m.msPerNeed]));
    process.stdout.write(
      `ms per need: knn ${res.knnMsPerNeed.toFixed(3)}  ${res.modes.map((m) => `${m.mode} ${m.msPerNeed.toFixed(2)}`).join('  ')}\n`,
    );
    emit({
      bench: 'rank_cost',
      set: relative(dataRoot, dir),
      knn_ms: +res.knnMsPerNeed.toFixed(4),
      ...Object.fromEntries(Object.entries(cost).map(([k, v]) => [`${k}_ms`, +v.toFixed(3)])),
      full_vs_dense: cost.full && cost.dense ? +(cost.full / cost.dense).toFixed(2) : null,
      full_vs_knn: cost.full ? +(cost.full / res.knnMsPerNeed).toFixed(1) : null,
    });
  }
}
