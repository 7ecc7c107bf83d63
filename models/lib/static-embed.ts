/**
 * Turns factorised word vectors into the rows of a static embedding model whose mean pooling is a
 * good sentence embedding: SIF weights a/(a + p(w)) and common-component removal (Arora, Liang &
 * Ma 2017) are baked into the rows, which is exact because mean pooling is linear.
 */
import type { SegmentedCorpus } from './cooc.ts';
import { gaussian, mulberry32 } from './linalg.ts';
import type { UnigramSegmenter } from './unigram.ts';

/** Static embedding table: `rows` × `dim`, row-major. */
export interface StaticTable {
  dim: number;
  rows: number;
  data: Float32Array;
}

/** Scales every row to unit length (zero rows stay zero). */
export function normalizeRows(t: StaticTable): void {
  for (let i = 0; i < t.rows; i++) {
    const o = i * t.dim;
    let s = 0;
    for (let c = 0; c < t.dim; c++) s += t.data[o + c]! ** 2;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let c = 0; c < t.dim; c++) t.data[o + c]! *= inv;
  }
}

/** Multiplies each row by a/(a + p(w)), p from corpus counts; rarer tokens weigh more. */
export function applySif(t: StaticTable, counts: Float64Array, a: number): void {
  let total = 0;
  for (const c of counts) total += c;
  for (let i = 0; i < t.rows; i++) {
    const p = (counts[i] ?? 0) / total;
    const w = a / (a + p);
    const o = i * t.dim;
    for (let c = 0; c < t.dim; c++) t.data[o + c]! *= w;
  }
}

/** Mean of the rows of `ids`, unnormalised, written into `out`. */
export function poolMean(
  t: StaticTable,
  ids: readonly number[],
  out: Float32Array,
  outOffset = 0,
): void {
  for (let c = 0; c < t.dim; c++) out[outOffset + c] = 0;
  if (ids.length === 0) return;
  for (const id of ids) {
    const o = id * t.dim;
    for (let c = 0; c < t.dim; c++) out[outOffset + c]! += t.data[o + c]!;
  }
  const inv = 1 / ids.length;
  for (let c = 0; c < t.dim; c++) out[outOffset + c]! *= inv;
}

/** L2-normalises `n` consecutive vectors of length `dim` in place. */
export function normalizeVectors(v: Float32Array, n: number, dim: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += v[i * dim + c]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let c = 0; c < dim; c++) v[i * dim + c]! *= inv;
  }
}

/**
 * Top `k` principal directions (uncentred, as in SIF) of the pooled embeddings of up to `sample`
 * corpus documents, by power iteration with deflation.
 */
export function commonComponents(
  t: StaticTable,
  corpus: SegmentedCorpus,
  k: number,
  sample: number,
  seed: number,
): Float64Array[] {
  const docs = corpus.docParts.length - 1;
  const step = Math.max(1, Math.floor(docs / sample));
  const vecs: Float32Array[] = [];
  const buf = new Float32Array(t.dim);
  for (let d = 0; d < docs; d += step) {
    const from = corpus.partOffsets[corpus.docParts[d]!]!;
    const to = corpus.partOffsets[corpus.docParts[d + 1]!]!;
    if (to === from) continue;
    poolMean(t, Array.from(corpus.tokens.subarray(from, to)), buf);
    normalizeVectors(buf, 1, t.dim);
    vecs.push(Float32Array.from(buf));
  }
  const normal = gaussian(mulberry32(seed));
  const comps: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    let u = Float64Array.from({ length: t.dim }, () => normal());
    for (let it = 0; it < 50; it++) {
      const next = new Float64Array(t.dim);
      for (const v of vecs) {
        let dot = 0;
        for (let i = 0; i < t.dim; i++) dot += v[i]! * u[i]!;
        for (let i = 0; i < t.dim; i++) next[i]! += dot * v[i]!;
      }
      for (const prev of comps) {
        let dot = 0;
        for (let i = 0; i < t.dim; i++) dot += next[i]! * prev[i]!;
        for (let i = 0; i < t.dim; i++) next[i]! -= dot * prev[i]!;
      }
      let n = 0;
      for (const x of next) n += x * x;
      n = Math.sqrt(n);
      for (let i = 0; i < t.dim; i++) next[i]! /= n;
      u = next;
    }
    comps.push(u);
  }
  return comps;
}

/** Projects every row off the given unit directions (x ← x − Σ (x·u) u). */
export function removeComponents(t: StaticTable, comps: readonly Float64Array[]): void {
  for (let i = 0; i < t.rows; i++) {
    const o = i * t.dim;
    for (const u of comps) {
      let dot = 0;
      for (let c = 0; c < t.dim; c++) dot += t.data[o + c]! * u[c]!;
      for (let c = 0; c < t.dim; c++) t.data[o + c]! -= dot * u[c]!;
    }
  }
}

/**
 * An in-memory embedder over the table: tokenize, mean-pool, normalise (what the ONNX model does).
 * `maxTokens` mirrors the tokenizer's truncation (model max length minus the leading [CLS]).
 */
export function tableEmbedder(
  t: StaticTable,
  seg: UnigramSegmenter,
  maxTokens = Infinity,
): (texts: string[]) => Float32Array {
  return (texts) => {
    const out = new Float32Array(texts.length * t.dim);
    texts.forEach((text, i) =>
      poolMean(t, seg.encodeText(text).slice(0, maxTokens), out, i * t.dim),
    );
    normalizeVectors(out, texts.length, t.dim);
    return out;
  };
}
