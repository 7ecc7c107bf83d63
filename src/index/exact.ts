import { gemmTopK } from './exact-gemm.ts';

/** Queries per matrix multiply: large enough to use the GEMM kernel well, small in memory. */
const BATCH = 64;

/**
 * Brute-force cosine search over unit vectors held in one contiguous array: the ground truth
 * that HNSW results are checked against, and the engine of `--exact` match runs.
 */
export class ExactIndex {
  private readonly data: Float32Array;
  private readonly labels: Float64Array;
  private n = 0;

  constructor(
    readonly dimension: number,
    capacity: number,
  ) {
    this.data = new Float32Array(capacity * dimension);
    this.labels = new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** Adds a vector (normalised here, so scores are cosine similarities) under a label. */
  add(label: number, vector: Float32Array): void {
    if (vector.length !== this.dimension) {
      throw new Error(`vector of dimension ${vector.length} for an index of ${this.dimension}`);
    }
    if (this.n * this.dimension >= this.data.length) throw new Error('exact index is full');
    let norm = 0;
    for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const off = this.n * this.dimension;
    for (let i = 0; i < vector.length; i++) this.data[off + i] = vector[i]! * inv;
    this.labels[this.n] = label;
    this.n++;
  }

  /** The k labels with the highest cosine similarity to `vector`, best first. */
  search(vector: Float32Array, k: number): { id: number; score: number }[] {
    const d = this.dimension;
    let norm = 0;
    for (let i = 0; i < d; i++) norm += vector[i]! * vector[i]!;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const q = new Float32Array(d);
    for (let i = 0; i < d; i++) q[i] = vector[i]! * inv;
    const kk = Math.min(k, this.n);
    if (kk === 0) return [];
    // A min-heap of the best kk so far: O(n log k) rather than sorting all n scores.
    const hs = new Float64Array(kk);
    const hi = new Int32Array(kk);
    let size = 0;
    const data = this.data;
    for (let j = 0; j < this.n; j++) {
      let s = 0;
      const off = j * d;
      for (let i = 0; i < d; i++) s += q[i]! * data[off + i]!;
      if (size < kk) {
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (hs[p]! <= s) break;
          hs[c] = hs[p]!;
          hi[c] = hi[p]!;
          c = p;
        }
        hs[c] = s;
        hi[c] = j;
      } else if (s > hs[0]!) {
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= kk) break;
          const r = l + 1;
          const m = r < kk && hs[r]! < hs[l]! ? r : l;
          if (hs[m]! >= s) break;
          hs[c] = hs[m]!;
          hi[c] = hi[m]!;
          c = m;
        }
        hs[c] = s;
        hi[c] = j;
      }
    }
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < size; i++) out.push({ id: this.labels[hi[i]!]!, score: hs[i]! });
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }

  /**
   * `search` for many queries at once through onnxruntime's matrix multiply (the fast path for
   * exact runs and recall checks): same results, far less time per query.
   */
  async searchMany(vectors: Float32Array[], k: number): Promise<{ id: number; score: number }[][]> {
    const d = this.dimension;
    const out: { id: number; score: number }[][] = [];
    if (this.n === 0) return vectors.map(() => []);
    for (let i = 0; i < vectors.length; i += BATCH) {
      const part = vectors.slice(i, i + BATCH);
      const q = new Float32Array(part.length * d);
      part.forEach((v, j) => {
        let norm = 0;
        for (let t = 0; t < d; t++) norm += v[t]! * v[t]!;
        const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (let t = 0; t < d; t++) q[j * d + t] = v[t]! * inv;
      });
      const r = await gemmTopK(q, part.length, this.data, this.n, d, k);
      for (let j = 0; j < part.length; j++) {
        const hits: { id: number; score: number }[] = [];
        for (let t = 0; t < r.k; t++) {
          const row = Number(r.indices[j * r.k + t]!);
          hits.push({ id: this.labels[row]!, score: r.scores[j * r.k + t]! });
        }
        // TopK's order among equal scores is not specified: fix it, as `search` does.
        out.push(hits.sort((a, b) => b.score - a.score || a.id - b.id));
      }
    }
    return out;
  }
}
