import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import type { ListingInput } from '../listings/schemas.ts';
import type { Logger } from '../log.ts';
import { createRuntime } from '../runtime.ts';
import { evaluateRun, parseQrels, type RankingMetrics, type Run } from './metrics.ts';
import type { RankMode } from './ranker.ts';

/** One BEIR record: needs.jsonl / offers.jsonl rows. */
interface BeirDoc {
  _id: string;
  title?: string;
  text: string;
}

export interface EvalOptions {
  dataset: string;
  /** qrels files to score against; default: every qrels*.tsv of the dataset folder. */
  qrels: string[];
  modes: RankMode[];
  modelPath?: string;
  /** Ranked offers per need written here in TREC format (top 100), for the first mode. */
  runOut?: string;
  log: Logger;
  /** Called with a line of progress for long phases. */
  progress?: (msg: string) => void;
}

export interface EvalResult {
  modes: {
    mode: RankMode;
    perQrels: { qrels: string; metrics: RankingMetrics }[];
    msPerNeed: number;
  }[];
  ingestSeconds: number;
  /** Bare HNSW kNN (k = 10) per need, the floor any ranking is compared with. */
  knnMsPerNeed: number;
  model: string;
  needs: number;
  offers: number;
}

function readJsonl(file: string): BeirDoc[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as BeirDoc);
}

/**
 * A BEIR document as a listing: its title if it has one, else its first sentence (≤ 200
 * characters); the full text is the description.
 */
function toListing(d: BeirDoc): ListingInput {
  const text = d.text.trim().slice(0, 10_000);
  const title = (d.title?.trim() || text.split(/[。！？.!?]/)[0] || text).slice(0, 200);
  return { title, description: text, source: 'eval', externalId: d._id };
}

/**
 * Loads a BEIR folder through the real ingest and embedding pipeline into a temporary
 * database, ranks the offers of every need in each mode and scores the rankings.
 */
export async function evaluateDataset(o: EvalOptions): Promise<EvalResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'techmatch-eval-'));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    QUEUE_MODE: 'inprocess',
    LOG_LEVEL: 'warn',
    INDEX_SNAPSHOT_EVERY: '1000000000',
  };
  if (o.modelPath) env.MODEL_PATH = o.modelPath;
  const config = loadConfig(env);
  const rt = await createRuntime(config, o.log, { withIndex: true, runWorker: true });
  try {
    const needs = readJsonl(join(o.dataset, 'needs.jsonl'));
    const offers = readJsonl(join(o.dataset, 'offers.jsonl'));
    const t0 = performance.now();
    const accept = (item: unknown) => ({ ok: true as const, value: item as ListingInput });
    for (const [side, docs] of [
      ['offer', offers],
      ['need', needs],
    ] as const) {
      for (let i = 0; i < docs.length; i += 1000) {
        const res = await rt.listings.bulk(side, docs.slice(i, i + 1000).map(toListing), accept);
        const bad = res.find((r) => r.status === 'error');
        if (bad) throw new Error(`could not load ${side} ${i + bad.index}: ${bad.error?.message}`);
      }
    }
    const total = needs.length + offers.length;
    for (;;) {
      const c = rt.repo.countByStatus();
      if ((c.failed ?? 0) > 0) throw new Error(`${c.failed} listings failed to embed`);
      if ((c.ready ?? 0) === total) break;
      o.progress?.(`embedded ${c.ready ?? 0}/${total}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await rt.index!.sync();
    const ingestSeconds = (performance.now() - t0) / 1000;

    const needRows = rt.repo.list({ side: 'need', source: 'eval', limit: 1_000_000 });
    const offerIdOf = new Map(
      rt.repo
        .list({ side: 'offer', source: 'eval', limit: 1_000_000 })
        .map((r) => [r.id, r.externalId!]),
    );
    const vectors = needRows.map((n) => rt.store.get(n.id, rt.embedder.model.id)!.vector);
    const offerIndex = rt.index!.get('offer');
    const tk = performance.now();
    for (const v of vectors) offerIndex.search(v, 10);
    const knnMsPerNeed = (performance.now() - tk) / vectors.length;
    const qrelsSets = o.qrels.map((f) => ({ name: f, qrels: parseQrels(readFileSync(f, 'utf8')) }));
    const modes: EvalResult['modes'] = [];
    for (const mode of o.modes) {
      const run: Run = new Map();
      const scores = new Map<string, number[]>();
      const t1 = performance.now();
      for (const need of needRows) {
        const ranked = rt.ranker!.forListing(need, { limit: 100, mode });
        run.set(
          need.externalId!,
          ranked.map((m) => offerIdOf.get(m.id)!),
        );
        scores.set(
          need.externalId!,
          ranked.map((m) => m.score),
        );
      }
      const msPerNeed = (performance.now() - t1) / needRows.length;
      if (o.runOut && modes.length === 0) {
        const lines: string[] = [];
        for (const [q, docs] of run) {
          docs.forEach((d, i) =>
            lines.push(
              `${q} Q0 ${d} ${i + 1} ${(scores.get(q)![i] ?? 0).toFixed(6)} techmatch-${mode}`,
            ),
          );
        }
        writeFileSync(o.runOut, lines.join('\n') + '\n');
      }
      modes.push({
        mode,
        msPerNeed,
        perQrels: qrelsSets.map((s) => ({ qrels: s.name, metrics: evaluateRun(run, s.qrels, 10) })),
      });
    }
    return {
      modes,
      ingestSeconds,
      knnMsPerNeed,
      model: rt.embedder.model.id,
      needs: needs.length,
      offers: offers.length,
    };
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
