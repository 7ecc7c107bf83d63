/**
 * Segments the corpus once into token ids, then counts windowed co-occurrences and turns them into
 * a PPMI matrix (Levy, Goldberg & Dagan 2015: context-distribution smoothing, optional shift).
 */
import type { CorpusDoc } from './corpus.ts';
import type { Csr } from './linalg.ts';
import type { UnigramSegmenter } from './unigram.ts';
import { SPECIAL_TOKENS } from './vocab.ts';

/** The whole corpus as token ids: parts concatenated, with part and document boundaries. */
export interface SegmentedCorpus {
  tokens: Int32Array;
  /** Start of each part in `tokens`, length parts + 1. */
  partOffsets: Int32Array;
  /** First part of each document, length docs + 1. */
  docParts: Int32Array;
  /** Index into `sources` per document. */
  docSource: Uint8Array;
  sources: string[];
  /** Occurrences per token id. */
  counts: Float64Array;
}

/** Segments every document with the tokenizer's own model; special tokens ([UNK]) are left out. */
export function segmentCorpus(docs: Iterable<CorpusDoc>, seg: UnigramSegmenter): SegmentedCorpus {
  // A growable typed buffer: a plain number[] of ~24M ids spends most of its time in the GC.
  let tokens = new Int32Array(1 << 22);
  let nTokens = 0;
  const partOffsets: number[] = [0];
  const docParts: number[] = [0];
  const docSource: number[] = [];
  const sources: string[] = [];
  for (const doc of docs) {
    let src = sources.indexOf(doc.source);
    if (src < 0) src = sources.push(doc.source) - 1;
    for (const part of doc.parts) {
      for (const id of seg.encodeText(part)) {
        if (id < SPECIAL_TOKENS.length) continue;
        if (nTokens === tokens.length) {
          const grown = new Int32Array(tokens.length * 2);
          grown.set(tokens);
          tokens = grown;
        }
        tokens[nTokens++] = id;
      }
      partOffsets.push(nTokens);
    }
    docParts.push(partOffsets.length - 1);
    docSource.push(src);
  }
  const used = tokens.slice(0, nTokens);
  const counts = new Float64Array(seg.pieces.length);
  for (const id of used) counts[id]!++;
  return {
    tokens: used,
    partOffsets: Int32Array.from(partOffsets),
    docParts: Int32Array.from(docParts),
    docSource: Uint8Array.from(docSource),
    sources,
    counts,
  };
}

/** How co-occurrences are counted. */
export interface CoocOptions {
  /** Context window on each side, in tokens. */
  window: number;
  /** Weight a pair at distance d by 1/d (GloVe-style) instead of 1. */
  harmonic: boolean;
  /**
   * Total weight each token of an aligned part (e.g. an English title) gets from the other part
   * (its Chinese summary), spread evenly over that part; 0 disables cross-part contexts.
   */
  crossMass: number;
  /** Per-source multiplier on every pair counted in its documents (1 when absent). */
  sourceWeight?: Record<string, number>;
}

/**
 * Open-addressing hash of symmetric pair counts keyed by lo·V + hi (lo ≤ hi); Float64 keys are exact
 * up to 2^53, far above V². It grows by doubling at 70 % load.
 */
class PairCounter {
  private keys: Float64Array;
  private vals: Float32Array;
  private mask: number;
  size = 0;

  constructor(
    private readonly v: number,
    bits = 24,
  ) {
    this.keys = new Float64Array(1 << bits).fill(-1);
    this.vals = new Float32Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  private static slot(key: number, mask: number): number {
    // Fibonacci-style mixing of the two halves of the key; cheap and spreads adjacent ids.
    const lo = key % 4294967296;
    const hi = Math.floor(key / 4294967296);
    return (Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 0) & mask;
  }

  add(a: number, b: number, w: number): void {
    const key = a <= b ? a * this.v + b : b * this.v + a;
    let s = PairCounter.slot(key, this.mask);
    for (;;) {
      const k = this.keys[s]!;
      if (k === key) {
        this.vals[s]! += w;
        return;
      }
      if (k === -1) {
        this.keys[s] = key;
        this.vals[s] = w;
        if (++this.size > this.mask * 0.7) this.grow();
        return;
      }
      s = (s + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    const cap = (this.mask + 1) * 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Float32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < oldK.length; i++) {
      const key = oldK[i]!;
      if (key === -1) continue;
      let s = PairCounter.slot(key, this.mask);
      while (this.keys[s] !== -1) s = (s + 1) & this.mask;
      this.keys[s] = key;
      this.vals[s] = oldV[i]!;
    }
  }

  /** Visits every stored pair once (lo ≤ hi). */
  forEach(fn: (lo: number, hi: number, w: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (key === -1) continue;
      const lo = Math.floor(key / this.v);
      fn(lo, key - lo * this.v, this.vals[i]!);
    }
  }
}

/** Symmetric co-occurrence counts as a list of (lo, hi, weight) with lo ≤ hi. */
export interface PairCounts {
  vocabSize: number;
  lo: Int32Array;
  hi: Int32Array;
  w: Float32Array;
}

/** Counts windowed (and cross-part) co-occurrences over the segmented corpus. */
export function countCooccurrences(
  corpus: SegmentedCorpus,
  vocabSize: number,
  opts: CoocOptions,
): PairCounts {
  const pc = new PairCounter(vocabSize);
  const { tokens, partOffsets, docParts } = corpus;
  const srcW = corpus.sources.map((s) => opts.sourceWeight?.[s] ?? 1);
  const distW = Array.from({ length: opts.window + 1 }, (_, d) =>
    opts.harmonic ? 1 / Math.max(d, 1) : 1,
  );
  const docs = docParts.length - 1;
  for (let doc = 0; doc < docs; doc++) {
    const sw = srcW[corpus.docSource[doc]!]!;
    if (sw === 0) continue;
    const p0 = docParts[doc]!;
    const p1 = docParts[doc + 1]!;
    for (let p = p0; p < p1; p++) {
      const a = partOffsets[p]!;
      const b = partOffsets[p + 1]!;
      for (let i = a; i < b; i++) {
        const ti = tokens[i]!;
        const end = Math.min(b, i + opts.window + 1);
        for (let j = i + 1; j < end; j++) pc.add(ti, tokens[j]!, sw * distW[j - i]!);
      }
    }
    if (opts.crossMass > 0 && p1 - p0 > 1) {
      for (let p = p0; p < p1; p++) {
        for (let q = p + 1; q < p1; q++) {
          const la = partOffsets[p + 1]! - partOffsets[p]!;
          const lb = partOffsets[q + 1]! - partOffsets[q]!;
          if (la === 0 || lb === 0) continue;
          const w = (sw * opts.crossMass) / Math.max(la, lb);
          for (let i = partOffsets[p]!; i < partOffsets[p + 1]!; i++) {
            for (let j = partOffsets[q]!; j < partOffsets[q + 1]!; j++)
              pc.add(tokens[i]!, tokens[j]!, w);
          }
        }
      }
    }
  }
  const lo = new Int32Array(pc.size);
  const hi = new Int32Array(pc.size);
  const w = new Float32Array(pc.size);
  let n = 0;
  pc.forEach((a, b, x) => {
    lo[n] = a;
    hi[n] = b;
    w[n] = x;
    n++;
  });
  return { vocabSize, lo, hi, w };
}

/** PPMI weighting options. */
export interface PpmiOptions {
  /** Context-distribution smoothing exponent (0.75 in word2vec and Levy et al.). */
  alpha: number;
  /** Shift: subtract log(shift) before clipping at 0 (1 = plain PPMI). */
  shift: number;
  /** Drop pairs counted less than this (weighted count): they are mostly noise. */
  minPair: number;
  /** Only the first `contexts` token ids serve as columns (ids are ordered by frequency). */
  contexts: number;
}

/** Builds the PPMI matrix (rows = all tokens, columns = the most frequent `contexts` tokens) as CSR. */
export function ppmiMatrix(pairs: PairCounts, opts: PpmiOptions): Csr {
  const v = pairs.vocabSize;
  const c = Math.min(opts.contexts, v);
  const rowSum = new Float64Array(v);
  const n = pairs.lo.length;
  for (let i = 0; i < n; i++) {
    const w = pairs.w[i]!;
    rowSum[pairs.lo[i]!]! += w;
    if (pairs.lo[i] !== pairs.hi[i]) rowSum[pairs.hi[i]!]! += w;
  }
  let smoothTotal = 0;
  const ctx = new Float64Array(c);
  for (let j = 0; j < c; j++) smoothTotal += ctx[j] = rowSum[j]! ** opts.alpha;
  for (let j = 0; j < c; j++) ctx[j]! /= smoothTotal;
  const logShift = Math.log(opts.shift);
  const pmi = (i: number, j: number, w: number): number =>
    Math.log(w / (rowSum[i]! * ctx[j]!)) - logShift;

  // Two passes: count entries per row, then fill; each symmetric pair yields up to two entries.
  const perRow = new Float64Array(v + 1);
  const keep = (i: number, j: number, w: number): boolean =>
    j < c && w >= opts.minPair && pmi(i, j, w) > 0;
  for (let e = 0; e < n; e++) {
    const a = pairs.lo[e]!;
    const b = pairs.hi[e]!;
    const w = pairs.w[e]!;
    if (keep(a, b, w)) perRow[a + 1]!++;
    if (a !== b && keep(b, a, w)) perRow[b + 1]!++;
  }
  for (let i = 0; i < v; i++) perRow[i + 1]! += perRow[i]!;
  const indptr = Float64Array.from(perRow);
  const nnz = indptr[v]!;
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  const fill = Float64Array.from(indptr.subarray(0, v));
  const put = (i: number, j: number, w: number): void => {
    const at = fill[i]!++;
    indices[at] = j;
    values[at] = pmi(i, j, w);
  };
  for (let e = 0; e < n; e++) {
    const a = pairs.lo[e]!;
    const b = pairs.hi[e]!;
    const w = pairs.w[e]!;
    if (keep(a, b, w)) put(a, b, w);
    if (a !== b && keep(b, a, w)) put(b, a, w);
  }
  return { rows: v, cols: c, indptr, indices, values };
}
