/**
 * `npm run model:build`: trains the shipped default embedding model from the unlabelled corpus
 * (`../shared/data/corpus/`) and writes it in transformers.js layout under `models/default/`.
 *
 * Method (a static embedding model, deterministic from a fixed seed):
 *  1. a Unigram vocabulary (jieba-proposed Chinese words + characters + English words), scored by
 *     the model's own segmentation, exported as tokenizer.json;
 *  2. windowed + aligned-part co-occurrences → PPMI → randomized truncated SVD: one vector per token;
 *  3. SIF weights and common-component removal baked into the rows;
 *  4. InfoNCE fine-tuning of the rows on pairs mined from corpus structure (headline/body,
 *     English title/Chinese summary, dictionary, inverse cloze), then further epochs that add
 *     masked-keyword pairs (a document's salient words → the document without them) — no eval labels;
 *  5. int8 rows with a per-row scale; the ONNX graph gathers rows, transformers.js mean-pools and
 *     normalises.
 *
 * `--random` writes a model of identical shape and tokenizer with random rows (the control for
 * "the model carries meaning"). `--eval` prints dense-only figures on the dev set (reporting only:
 * nothing is selected on them).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sharedDataPath } from '../src/util/shared-data.ts';
import { countCooccurrences, ppmiMatrix, segmentCorpus } from './lib/cooc.ts';
import { readCorpus, type CorpusDoc } from './lib/corpus.ts';
import { trainContrastive, type TokenPair } from './lib/contrastive.ts';
import { evaluateDense, formatRows } from './lib/dense-eval.ts';
import { loadEvalSets } from './lib/eval-data.ts';
import { dequantize, quantizeRows, writeStaticModel } from './lib/export-static.ts';
import { gaussian, mulberry32, randomizedSvd, randomizedSvdColumnSketch } from './lib/linalg.ts';
import { mineKeywordPairs } from './lib/keyword-pairs.ts';
import { minePairs } from './lib/pairs.ts';
import {
  applySif,
  commonComponents,
  normalizeRows,
  removeComponents,
  tableEmbedder,
  type StaticTable,
} from './lib/static-embed.ts';
import { isHan } from './lib/text.ts';
import { UnigramSegmenter } from './lib/unigram.ts';
import { buildVocab, SPECIAL_TOKENS, UNK_ID, type VocabOptions } from './lib/vocab.ts';

/** Every option of the build; the manifest records them. */
export const BUILD_OPTIONS = {
  seed: 20261129,
  dim: 256,
  maxLength: 512,
  vocab: {
    maxHanWords: 45000,
    minHanCount: 5,
    maxHanLength: 6,
    minCharCount: 3,
    maxOtherWords: 15000,
    minOtherCount: 5,
    rounds: 1,
  } satisfies VocabOptions,
  cooc: { window: 5, harmonic: true, crossMass: 1 },
  ppmi: { alpha: 0.75, shift: 1, minPair: 1, contexts: 20000 },
  // sketch 'rows' is the shipped model's; 'columns' is about a third faster, not yet measured.
  svd: { oversample: 16, powerIters: 2, eigenPower: 0.5, sketch: 'rows' as 'rows' | 'columns' },
  // Inverse-cloze documents need at least this many sentences.
  pairs: { minClozeSentences: 3 },
  sif: { a: 1e-3, components: 1, sample: 20000 },
  contrastive: { epochs: 2, batch: 128, lr: 2e-3, temperature: 0.05, maxPerGroup: 20000 },
  // Then more epochs on the same pairs plus masked-keyword pairs from scientific text.
  keywordPhase: {
    epochs: 4,
    groups: [
      { name: 'kw-csl', files: ['zh/csl_dev_abstracts.txt'] },
      {
        name: 'kw-arxiv-zh',
        files: ['zh/arxiv_cs_summaries_zh.txt', 'zh/arxiv_cs_summaries_zh.part2.txt'],
      },
      { name: 'kw-zhibei', files: ['zh/zhibei_listings.txt'] },
    ],
    minDf: 3,
    maxDfShare: 0.05,
    minKeywords: 2,
    maxKeywords: 5,
    minRest: 10,
    samplesPerDoc: 3,
  },
};

const log = (msg: string): void => {
  const t = ((performance.now() - t0) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[${t} s] ${msg}\n`);
};
const t0 = performance.now();

function svdTable(
  corpus: ReturnType<typeof segmentCorpus>,
  vocabSize: number,
  o: typeof BUILD_OPTIONS,
): StaticTable {
  const pairs = countCooccurrences(corpus, vocabSize, o.cooc);
  log(`co-occurrences: ${pairs.lo.length} pairs`);
  const ppmi = ppmiMatrix(pairs, o.ppmi);
  log(`PPMI: ${ppmi.indptr[ppmi.rows]} non-zeros over ${ppmi.rows} × ${ppmi.cols}`);
  const svdFn = o.svd.sketch === 'columns' ? randomizedSvdColumnSketch : randomizedSvd;
  const svd = svdFn(ppmi, o.dim, {
    oversample: o.svd.oversample,
    powerIters: o.svd.powerIters,
    seed: o.seed,
    log,
  });
  const data = new Float32Array(vocabSize * o.dim);
  for (let i = 0; i < vocabSize; i++) {
    for (let c = 0; c < o.dim; c++) {
      data[i * o.dim + c] = svd.u[i * o.dim + c]! * svd.s[c]! ** o.svd.eigenPower;
    }
  }
  return { dim: o.dim, rows: vocabSize, data };
}

function zeroSpecialRows(t: StaticTable): void {
  t.data.fill(0, 0, SPECIAL_TOKENS.length * t.dim);
}

function tokenizePairs(
  docs: CorpusDoc[],
  seg: UnigramSegmenter,
  seed: number,
  minClozeSentences: number,
): TokenPair[] {
  const text = minePairs(docs, seed, new Set(), minClozeSentences);
  const groups = [...new Set(text.map((p) => p.group))].sort();
  const out: TokenPair[] = [];
  const counts = new Map<string, number>();
  for (const p of text) {
    const q = seg.encodeText(p.query).filter((id) => id >= SPECIAL_TOKENS.length);
    const d = seg.encodeText(p.doc.slice(0, 2000)).filter((id) => id >= SPECIAL_TOKENS.length);
    if (q.length === 0 || d.length === 0) continue;
    out.push({ group: groups.indexOf(p.group), q: Int32Array.from(q), d: Int32Array.from(d) });
    counts.set(p.group, (counts.get(p.group) ?? 0) + 1);
  }
  log(`pairs: ${[...counts].map(([g, n]) => `${g} ${n}`).join(', ')}`);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      random: { type: 'boolean', default: false },
      eval: { type: 'boolean', default: false },
      'no-train': { type: 'boolean', default: false },
      epochs: { type: 'string' },
      'keyword-epochs': { type: 'string' },
      // Keep every Nth corpus document: a quick build for checking determinism, not for shipping.
      sample: { type: 'string' },
      // Vector width and seed (the shipped model's are BUILD_OPTIONS.dim and .seed).
      dim: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const o = structuredClone(BUILD_OPTIONS);
  if (values.epochs !== undefined) o.contrastive.epochs = Number(values.epochs);
  if (values['keyword-epochs'] !== undefined)
    o.keywordPhase.epochs = Number(values['keyword-epochs']);
  if (values.dim !== undefined) o.dim = Number(values.dim);
  if (values.seed !== undefined) o.seed = Number(values.seed);
  if (values['no-train']) o.contrastive.epochs = o.keywordPhase.epochs = 0;
  const out = resolve(
    values.out ?? (values.random ? 'models/generated/random-static' : 'models/default'),
  );
  const corpusDir = sharedDataPath('corpus');

  const every = Number(values.sample ?? 1);
  const docs = [...readCorpus(corpusDir)].filter((_, i) => i % every === 0);
  log(`corpus: ${docs.length} documents`);
  const vocab = buildVocab(() => docs, o.vocab, log);
  const V = vocab.pieces.length;
  const seg = new UnigramSegmenter(vocab.pieces, vocab.scores, UNK_ID);
  log(`vocabulary: ${V} pieces`);

  let table: StaticTable;
  const figures: Record<string, unknown> = {};
  if (values.random) {
    const normal = gaussian(mulberry32(o.seed));
    table = { dim: o.dim, rows: V, data: Float32Array.from({ length: V * o.dim }, () => normal()) };
    zeroSpecialRows(table);
  } else {
    const corpus = segmentCorpus(docs, seg);
    log(`segmented: ${corpus.tokens.length} tokens`);
    table = svdTable(corpus, V, o);
    zeroSpecialRows(table);
    normalizeRows(table);
    applySif(table, corpus.counts, o.sif.a);
    const comps = commonComponents(table, corpus, o.sif.components, o.sif.sample, o.seed);
    removeComponents(table, comps);
    zeroSpecialRows(table);
    log('static table ready (SVD + SIF + common-component removal)');
    const evalSets = values.eval ? loadEvalSets() : undefined;
    const report = async (label: string): Promise<void> => {
      if (!evalSets) return;
      const rows = await evaluateDense(tableEmbedder(table, seg), evalSets, o.dim);
      process.stderr.write(formatRows(rows, `${label.padEnd(10)} `) + '\n');
    };
    await report('svd');
    const pairs =
      o.contrastive.epochs + o.keywordPhase.epochs > 0
        ? tokenizePairs(docs, seg, o.seed, o.pairs.minClozeSentences)
        : [];
    if (o.contrastive.epochs > 0) {
      await trainContrastive(table, pairs, {
        ...o.contrastive,
        frozenBelow: SPECIAL_TOKENS.length,
        seed: o.seed,
        log,
        afterEpoch: (e) => report(`epoch ${e}`),
      });
    }
    if (o.keywordPhase.epochs > 0) {
      const groups = pairs.reduce((m, p) => Math.max(m, p.group + 1), 0);
      const isWord = (id: number) => isHan(vocab.pieces[id]!) && [...vocab.pieces[id]!].length > 1;
      const kw = mineKeywordPairs(corpus, isWord, groups, o.seed + 2, o.keywordPhase);
      log(`keyword pairs: ${[...kw.counts].map(([g, n]) => `${g} ${n}`).join(', ')}`);
      await trainContrastive(table, [...pairs, ...kw.pairs], {
        ...o.contrastive,
        epochs: o.keywordPhase.epochs,
        frozenBelow: SPECIAL_TOKENS.length,
        seed: o.seed + 1,
        log,
        afterEpoch: (e) => report(`kw epoch ${e}`),
      });
    }
  }

  const qt = quantizeRows(table);
  const id = values.random ? 'techmatch-static-random' : 'techmatch-static-zh';
  writeStaticModel(out, vocab, qt, {
    id,
    maxLength: o.maxLength,
    build: {
      method: values.random
        ? 'random rows (control), same vocabulary and shape as the trained model'
        : 'Unigram vocabulary; PPMI + randomized SVD; SIF; InfoNCE on corpus-structure pairs, then also on masked-keyword pairs; int8 rows',
      options: o,
      random: values.random,
      ...figures,
    },
  });
  if (values.eval) {
    const rows = await evaluateDense(tableEmbedder(dequantize(qt), seg), loadEvalSets(), o.dim);
    process.stderr.write(formatRows(rows, 'exported   ') + '\n');
  }
  const onnx = readFileSync(join(out, 'onnx', 'model.onnx'));
  log(
    `wrote ${out}: ${V} tokens × ${o.dim}, onnx ${(onnx.length / 1e6).toFixed(1)} MB, sha256 ${createHash('sha256').update(onnx).digest('hex')}`,
  );
}

await main();
