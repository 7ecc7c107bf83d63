/**
 * The little dense and sparse linear algebra the model build needs, in plain typed arrays:
 * a seeded PRNG (determinism), CSR products, orthonormalisation, a Jacobi eigensolver and a
 * randomized truncated SVD (Halko, Martinsson & Tropp 2011).
 */

/** Seeded 32-bit PRNG (mulberry32): the same seed gives the same model, byte for byte. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a uniform PRNG (Box–Muller). */
export function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = rand() || 1e-12;
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A sparse matrix in compressed sparse row form. */
export interface Csr {
  rows: number;
  cols: number;
  /** Row start offsets into `indices`/`values`, length rows + 1. */
  indptr: Float64Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Y (rows × k, row-major) = A · X (cols × k, row-major). */
export function csrMul(a: Csr, x: Float64Array, k: number): Float64Array {
  const y = new Float64Array(a.rows * k);
  for (let i = 0; i < a.rows; i++) {
    const yo = i * k;
    const end = a.indptr[i + 1]!;
    for (let p = a.indptr[i]!; p < end; p++) {
      const v = a.values[p]!;
      const xo = a.indices[p]! * k;
      for (let c = 0; c < k; c++) y[yo + c]! += v * x[xo + c]!;
    }
  }
  return y;
}

/** Y (cols × k, row-major) = Aᵀ · X (rows × k, row-major). */
export function csrTMul(a: Csr, x: Float64Array, k: number): Float64Array {
  const y = new Float64Array(a.cols * k);
  for (let i = 0; i < a.rows; i++) {
    const xo = i * k;
    const end = a.indptr[i + 1]!;
    for (let p = a.indptr[i]!; p < end; p++) {
      const v = a.values[p]!;
      const yo = a.indices[p]! * k;
      for (let c = 0; c < k; c++) y[yo + c]! += v * x[xo + c]!;
    }
  }
  return y;
}

/** G (k × k) = Yᵀ Y for row-major Y (n × k). */
function gram(y: Float64Array, n: number, k: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let a = 0; a < k; a++) {
      const ya = y[o + a]!;
      if (ya === 0) continue;
      const go = a * k;
      for (let b = a; b < k; b++) g[go + b]! += ya * y[o + b]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) g[a * k + b] = g[b * k + a]!;
  return g;
}

/**
 * Orthonormalises the columns of row-major Y (n × k) in place by Cholesky QR, twice (CholQR2),
 * which is as accurate as Householder for the well-conditioned blocks of a randomized SVD and
 * needs only one Gram pass per round. A tiny diagonal shift keeps rank-deficient blocks finite.
 */
export function orthonormalize(y: Float64Array, n: number, k: number): void {
  for (let round = 0; round < 2; round++) {
    const g = gram(y, n, k);
    let trace = 0;
    for (let a = 0; a < k; a++) trace += g[a * k + a]!;
    const shift = (1e-12 * trace) / k;
    // Cholesky G = Rᵀ R, R upper triangular (stored in g's upper part).
    for (let a = 0; a < k; a++) {
      let d = g[a * k + a]! + shift;
      for (let p = 0; p < a; p++) d -= g[p * k + a]! ** 2;
      const r = Math.sqrt(Math.max(d, 1e-300));
      g[a * k + a] = r;
      for (let b = a + 1; b < k; b++) {
        let s = g[a * k + b]!;
        for (let p = 0; p < a; p++) s -= g[p * k + a]! * g[p * k + b]!;
        g[a * k + b] = s / r;
      }
    }
    // Y ← Y R⁻¹, row by row (forward substitution on each row).
    const row = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const o = i * k;
      for (let b = 0; b < k; b++) {
        let s = y[o + b]!;
        for (let p = 0; p < b; p++) s -= row[p]! * g[p * k + b]!;
        row[b] = s / g[b * k + b]!;
      }
      y.set(row, o);
    }
  }
}

/**
 * Eigen-decomposition of a symmetric k × k matrix by cyclic Jacobi rotations. Returns eigenvalues
 * in descending order and the matching eigenvectors as columns of a row-major k × k matrix.
 */
export function symmetricEigen(
  m: Float64Array,
  k: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += a[p * k + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * k + p]!;
        const aqq = a[q * k + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = a[r * k + p]!;
          const arq = a[r * k + q]!;
          a[r * k + p] = c * arp - s * arq;
          a[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p * k + r]!;
          const aqr = a[q * k + r]!;
          a[p * k + r] = c * apr - s * aqr;
          a[q * k + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p]!;
          const vrq = v[r * k + q]!;
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort(
    (x, y) => a[y * k + y]! - a[x * k + x]!,
  );
  const values = new Float64Array(k);
  const vectors = new Float64Array(k * k);
  order.forEach((src, dst) => {
    values[dst] = a[src * k + src]!;
    for (let r = 0; r < k; r++) vectors[r * k + dst] = v[r * k + src]!;
  });
  return { values, vectors };
}

/** Truncated SVD result: U (rows × rank, row-major) and singular values. */
export interface TruncatedSvd {
  u: Float64Array;
  s: Float64Array;
  rank: number;
}

/**
 * Randomized truncated SVD of a sparse matrix: a Gaussian sketch with `oversample` extra columns
 * and `powerIters` subspace iterations (each orthonormalised), then an exact SVD of the small
 * projected matrix via the eigen-decomposition of B Bᵀ.
 */
export function randomizedSvd(
  a: Csr,
  rank: number,
  opts: { oversample: number; powerIters: number; seed: number; log?: (m: string) => void },
): TruncatedSvd {
  const k = rank + opts.oversample;
  const normal = gaussian(mulberry32(opts.seed));
  const omega = new Float64Array(a.cols * k);
  for (let i = 0; i < omega.length; i++) omega[i] = normal();
  let q = csrMul(a, omega, k);
  orthonormalize(q, a.rows, k);
  for (let it = 0; it < opts.powerIters; it++) {
    const z = csrTMul(a, q, k);
    orthonormalize(z, a.cols, k);
    q = csrMul(a, z, k);
    orthonormalize(q, a.rows, k);
    opts.log?.(`svd power iteration ${it + 1}/${opts.powerIters}`);
  }
  // B = Qᵀ A, kept as Bᵀ = Aᵀ Q (cols × k); then B Bᵀ = (Bᵀ)ᵀ Bᵀ is k × k.
  const bt = csrTMul(a, q, k);
  const bbt = gram(bt, a.cols, k);
  const { values, vectors } = symmetricEigen(bbt, k);
  const s = new Float64Array(rank);
  for (let i = 0; i < rank; i++) s[i] = Math.sqrt(Math.max(values[i]!, 0));
  return { u: project(q, a.rows, k, vectors, rank), s, rank };
}

/**
 * U = M · W[:, :rank] for M (rows × k) and W (k × k), both row-major; with `scale`, column c of U
 * is then multiplied by scale[c].
 */
function project(
  m: Float64Array,
  rows: number,
  k: number,
  w: Float64Array,
  rank: number,
  scale?: Float64Array,
): Float64Array {
  const u = new Float64Array(rows * rank);
  for (let i = 0; i < rows; i++) {
    const mo = i * k;
    const uo = i * rank;
    for (let p = 0; p < k; p++) {
      const mv = m[mo + p]!;
      if (mv === 0) continue;
      const wo = p * k;
      for (let c = 0; c < rank; c++) u[uo + c]! += mv * w[wo + c]!;
    }
    if (scale) for (let c = 0; c < rank; c++) u[uo + c]! *= scale[c]!;
  }
  return u;
}

/**
 * The same truncated SVD with the sketch kept on the column side: Z (cols × k) is orthonormalised
 * in every power iteration, and only once B = A·Z (rows × k) has been formed is the row side
 * touched, by one Gram matrix BᵀB = W Λ Wᵀ, giving U = B W Λ^-1/2 and s = √Λ. For a tall matrix
 * (66k token rows × 20k context columns) this skips the expensive orthonormalisations of the tall
 * side, about halving the build's SVD time.
 */
export function randomizedSvdColumnSketch(
  a: Csr,
  rank: number,
  opts: { oversample: number; powerIters: number; seed: number; log?: (m: string) => void },
): TruncatedSvd {
  const k = rank + opts.oversample;
  const normal = gaussian(mulberry32(opts.seed));
  let z: Float64Array = new Float64Array(a.cols * k);
  for (let i = 0; i < z.length; i++) z[i] = normal();
  orthonormalize(z, a.cols, k);
  for (let it = 0; it < opts.powerIters + 1; it++) {
    z = csrTMul(a, csrMul(a, z, k), k);
    orthonormalize(z, a.cols, k);
    opts.log?.(`svd iteration ${it + 1}/${opts.powerIters + 1}`);
  }
  const b = csrMul(a, z, k);
  const { values, vectors } = symmetricEigen(gram(b, a.rows, k), k);
  const s = new Float64Array(rank);
  const inv = new Float64Array(rank);
  for (let c = 0; c < rank; c++) {
    s[c] = Math.sqrt(Math.max(values[c]!, 0));
    inv[c] = s[c]! > 0 ? 1 / s[c]! : 0;
  }
  return { u: project(b, a.rows, k, vectors, rank, inv), s, rank };
}
