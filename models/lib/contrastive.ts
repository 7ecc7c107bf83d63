/**
 * Contrastive fine-tuning of a static embedding table (InfoNCE with in-batch negatives, both
 * directions) on self-supervised pairs. The model is exactly the one exported: an embedding is the
 * normalised mean of its tokens' rows, so gradients flow through mean pooling and L2 normalisation
 * into the rows of the tokens present. Lazy Adam touches only the rows used in a batch.
 */
import { mulberry32 } from './linalg.ts';
import type { StaticTable } from './static-embed.ts';

/** A tokenised training pair; `group` keeps pairs of one kind in the same batches. */
export interface TokenPair {
  group: number;
  q: Int32Array;
  d: Int32Array;
}

/** Training hyper-parameters. */
export interface ContrastiveOptions {
  epochs: number;
  batch: number;
  lr: number;
  /** Softmax temperature on cosine similarities. */
  temperature: number;
  /** Pairs drawn per group per epoch, so huge groups (the dictionary) do not dominate. */
  maxPerGroup: number;
  /** Rows below this id are never updated (special tokens stay zero). */
  frozenBelow: number;
  seed: number;
  log?: (msg: string) => void;
  /** Called after each epoch (e.g. to evaluate). */
  afterEpoch?: (epoch: number) => Promise<void> | void;
}

function shuffle<T>(a: T[], rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

/** Pools and normalises one token list; returns the norm of the mean (0 for an empty list). */
function embed(t: StaticTable, ids: Int32Array, out: Float64Array, o: number): number {
  const dim = t.dim;
  for (let c = 0; c < dim; c++) out[o + c] = 0;
  for (let k = 0; k < ids.length; k++) {
    const r = ids[k]! * dim;
    for (let c = 0; c < dim; c++) out[o + c]! += t.data[r + c]!;
  }
  let s = 0;
  const inv = ids.length > 0 ? 1 / ids.length : 0;
  for (let c = 0; c < dim; c++) {
    out[o + c]! *= inv;
    s += out[o + c]! ** 2;
  }
  const n = Math.sqrt(s);
  if (n > 0) for (let c = 0; c < dim; c++) out[o + c]! /= n;
  return n;
}

/** Fine-tunes `table` in place. */
export async function trainContrastive(
  table: StaticTable,
  pairs: readonly TokenPair[],
  opts: ContrastiveOptions,
): Promise<void> {
  const { dim } = table;
  const rand = mulberry32(opts.seed);
  const m = new Float32Array(table.data.length);
  const v = new Float32Array(table.data.length);
  const grad = new Float32Array(table.data.length);
  const touched = new Uint8Array(table.rows);
  const b1 = 0.9;
  const b2 = 0.999;
  let step = 0;
  const groups = new Map<number, TokenPair[]>();
  for (const p of pairs) {
    let g = groups.get(p.group);
    if (!g) groups.set(p.group, (g = []));
    g.push(p);
  }
  const B = opts.batch;
  const qv = new Float64Array(B * dim);
  const dv = new Float64Array(B * dim);
  const qn = new Float64Array(B);
  const dn = new Float64Array(B);
  const sim = new Float64Array(B * B);
  const gS = new Float64Array(B * B);
  const gq = new Float64Array(B * dim);
  const gd = new Float64Array(B * dim);

  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const batches: TokenPair[][] = [];
    for (const key of [...groups.keys()].sort((a, b) => a - b)) {
      const g = groups.get(key)!.slice();
      shuffle(g, rand);
      const take = g.slice(0, opts.maxPerGroup);
      for (let i = 0; i + B <= take.length; i += B) batches.push(take.slice(i, i + B));
    }
    shuffle(batches, rand);
    let lossSum = 0;
    for (const batch of batches) {
      const n = batch.length;
      for (let i = 0; i < n; i++) {
        qn[i] = embed(table, batch[i]!.q, qv, i * dim);
        dn[i] = embed(table, batch[i]!.d, dv, i * dim);
      }
      const invT = 1 / opts.temperature;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let c = 0; c < dim; c++) s += qv[i * dim + c]! * dv[j * dim + c]!;
          sim[i * n + j] = s * invT;
        }
      }
      // dL/dS for the mean of both directions' cross-entropies: softmax − one-hot, row- and column-wise.
      gS.fill(0, 0, n * n);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, sim[i * n + j]!);
        let z = 0;
        for (let j = 0; j < n; j++) z += Math.exp(sim[i * n + j]! - mx);
        loss += -(sim[i * n + i]! - mx - Math.log(z));
        for (let j = 0; j < n; j++)
          gS[i * n + j]! += Math.exp(sim[i * n + j]! - mx) / z - (i === j ? 1 : 0);
      }
      for (let j = 0; j < n; j++) {
        let mx = -Infinity;
        for (let i = 0; i < n; i++) mx = Math.max(mx, sim[i * n + j]!);
        let z = 0;
        for (let i = 0; i < n; i++) z += Math.exp(sim[i * n + j]! - mx);
        loss += -(sim[j * n + j]! - mx - Math.log(z));
        for (let i = 0; i < n; i++)
          gS[i * n + j]! += Math.exp(sim[i * n + j]! - mx) / z - (i === j ? 1 : 0);
      }
      lossSum += loss / (2 * n);
      const scale = invT / (2 * n);
      gq.fill(0, 0, n * dim);
      gd.fill(0, 0, n * dim);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const g = gS[i * n + j]! * scale;
          if (g === 0) continue;
          for (let c = 0; c < dim; c++) {
            gq[i * dim + c]! += g * dv[j * dim + c]!;
            gd[j * dim + c]! += g * qv[i * dim + c]!;
          }
        }
      }
      // Back through normalisation (project off the unit vector, divide by the norm) and the mean.
      const scatter = (
        vec: Float64Array,
        gv: Float64Array,
        norms: Float64Array,
        ids: Int32Array,
        i: number,
      ): void => {
        const o = i * dim;
        if (norms[i] === 0 || ids.length === 0) return;
        let dot = 0;
        for (let c = 0; c < dim; c++) dot += gv[o + c]! * vec[o + c]!;
        const k = 1 / (norms[i]! * ids.length);
        for (let t = 0; t < ids.length; t++) {
          const id = ids[t]!;
          if (id < opts.frozenBelow) continue;
          touched[id] = 1;
          const r = id * dim;
          for (let c = 0; c < dim; c++) grad[r + c]! += (gv[o + c]! - dot * vec[o + c]!) * k;
        }
      };
      for (let i = 0; i < n; i++) {
        scatter(qv, gq, qn, batch[i]!.q, i);
        scatter(dv, gd, dn, batch[i]!.d, i);
      }
      step++;
      const c1 = 1 - b1 ** step;
      const c2 = 1 - b2 ** step;
      const lr = opts.lr;
      for (let id = 0; id < table.rows; id++) {
        if (!touched[id]) continue;
        touched[id] = 0;
        const r = id * dim;
        for (let c = 0; c < dim; c++) {
          const g = grad[r + c]!;
          grad[r + c] = 0;
          const mm = (m[r + c] = b1 * m[r + c]! + (1 - b1) * g);
          const vv = (v[r + c] = b2 * v[r + c]! + (1 - b2) * g * g);
          table.data[r + c]! -= (lr * (mm / c1)) / (Math.sqrt(vv / c2) + 1e-8);
        }
      }
    }
    opts.log?.(
      `epoch ${epoch}: ${batches.length} batches, mean loss ${(lossSum / batches.length).toFixed(4)}`,
    );
    await opts.afterEpoch?.(epoch);
  }
}
