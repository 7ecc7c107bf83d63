/**
 * A re-implementation of transformers.js's `Unigram` tokenizer model (Viterbi over a lattice of
 * vocabulary pieces scored by log-probability), fast enough to segment the whole corpus. It must
 * agree token for token with @huggingface/tokenizers, including its tie-breaking and unknown
 * handling, because the embedding rows are trained on this segmentation; `verify-tokenizer`
 * checks the agreement on real text.
 */
import { normalizeText, preTokenize } from './text.ts';

/** Viterbi segmenter over `pieces` (index = token id) with their log-probability `scores`. */
export class UnigramSegmenter {
  readonly pieces: readonly string[];
  readonly scores: Float64Array;
  readonly unkId: number;
  /** Score given to an unknown character: transformers.js uses (lowest score − 10). */
  readonly unkScore: number;
  private readonly ids = new Map<string, number>();
  /** Trie edges keyed by `node * 2^21 + codePoint`; a number key keeps lookups allocation-free. */
  private readonly edges = new Map<number, number>();
  /** Token id ending at each trie node, or −1. */
  private nodeToken: Int32Array;

  constructor(pieces: readonly string[], scores: ArrayLike<number>, unkId: number) {
    this.pieces = pieces;
    this.scores = Float64Array.from(scores);
    this.unkId = unkId;
    let min = Infinity;
    for (const s of this.scores) if (s < min) min = s;
    this.unkScore = min - 10;
    this.scores[unkId] = this.unkScore;
    const tokenAt: number[] = [-1];
    pieces.forEach((p, id) => {
      this.ids.set(p, id);
      let node = 0;
      for (const ch of p) {
        const key = node * 0x200000 + ch.codePointAt(0)!;
        let next = this.edges.get(key);
        if (next === undefined) {
          next = tokenAt.length;
          tokenAt.push(-1);
          this.edges.set(key, next);
        }
        node = next;
      }
      tokenAt[node] = id;
    });
    this.nodeToken = Int32Array.from(tokenAt);
  }

  /** Token id of a piece, or undefined when it is not in the vocabulary. */
  idOf(piece: string): number | undefined {
    return this.ids.get(piece);
  }

  /**
   * Segments one pre-token into token ids. Runs of unknown characters come out as one unknown id,
   * as transformers.js fuses them.
   */
  encode(preToken: string): number[] {
    const cps: number[] = [];
    for (const ch of preToken) cps.push(ch.codePointAt(0)!);
    const n = cps.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const backStart = new Int32Array(n + 1).fill(-1);
    const backId = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    // Relaxing from each start in ascending order and replacing only on a strictly better score
    // picks, on ties, the token that starts earliest: transformers.js's lattice order.
    for (let start = 0; start < n; start++) {
      const base = best[start]!;
      let node = 0;
      let single = false;
      for (let end = start + 1; end <= n; end++) {
        const next = this.edges.get(node * 0x200000 + cps[end - 1]!);
        if (next === undefined) break;
        node = next;
        const id = this.nodeToken[node]!;
        if (id < 0) continue;
        if (end === start + 1) single = true;
        const total = base + this.scores[id]!;
        if (backId[end] === -1 || total > best[end]!) {
          best[end] = total;
          backStart[end] = start;
          backId[end] = id;
        }
      }
      // The lattice gets an unknown node only where no one-character piece exists.
      if (!single) {
        const total = base + this.unkScore;
        if (backId[start + 1] === -1 || total > best[start + 1]!) {
          best[start + 1] = total;
          backStart[start + 1] = start;
          backId[start + 1] = this.unkId;
        }
      }
    }
    const out: number[] = [];
    for (let end = n; end > 0; end = backStart[end]!) out.push(backId[end]!);
    out.reverse();
    // Fuse consecutive unknowns like transformers.js's fuse_unk.
    const fused: number[] = [];
    for (const id of out) {
      if (id === this.unkId && fused[fused.length - 1] === this.unkId) continue;
      fused.push(id);
    }
    return fused;
  }

  /** Normalises, pre-tokenises and segments a whole text, as the exported tokenizer does. */
  encodeText(text: string): number[] {
    const out: number[] = [];
    for (const p of preTokenize(normalizeText(text))) for (const id of this.encode(p)) out.push(id);
    return out;
  }
}
