/**
 * Builds the tokenizer vocabulary and its Unigram scores from the corpus. Jieba (with its HMM for
 * new words) proposes the Chinese words; the Unigram model then re-segments the corpus with its own
 * Viterbi and the scores are re-estimated from that segmentation, so what we train on is what
 * transformers.js will produce.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import type { CorpusDoc } from './corpus.ts';
import { isHan, normalizeText, preTokenize } from './text.ts';
import { UnigramSegmenter } from './unigram.ts';

/** Special tokens, in id order. Their embedding rows are (near) zero. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;

/** Vocabulary size limits and count thresholds. */
export interface VocabOptions {
  /** Most Chinese multi-character words kept (by count). */
  maxHanWords: number;
  /** Fewest occurrences for a Chinese multi-character word. */
  minHanCount: number;
  /** Longest Chinese word kept, in characters: longer jieba/HMM output is mostly noise. */
  maxHanLength: number;
  /** Fewest occurrences for a single Chinese character (rarer ones become [UNK]). */
  minCharCount: number;
  /** Most non-Chinese words (English, alphanumerics) kept. */
  maxOtherWords: number;
  /** Fewest occurrences for a non-Chinese word. */
  minOtherCount: number;
  /** Re-segmentation rounds that re-estimate scores from the Unigram model's own output. */
  rounds: number;
}

/** The finished vocabulary: pieces by id, their Unigram log-probabilities and corpus counts. */
export interface Vocab {
  pieces: string[];
  scores: number[];
  counts: number[];
}

const ALWAYS_SINGLE = [...'abcdefghijklmnopqrstuvwxyz0123456789αβγδεζηθικλμνξοπρστυφχψω'];

function bump(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

/** Descending count, then code-unit order, so equal counts never depend on Map insertion order. */
function byCount(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** Rounds a log-probability so tokenizer.json stays small and both segmenters see the same number. */
function roundScore(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function toVocab(counts: Map<string, number>): Vocab {
  const entries = [...counts].sort(byCount);
  // Pieces never produced by the segmentation still need a finite score; half a count keeps them
  // usable as fallbacks but less likely than anything seen.
  let total = 0;
  for (const [, c] of entries) total += Math.max(c, 0.5);
  const pieces: string[] = [...SPECIAL_TOKENS];
  const scores: number[] = SPECIAL_TOKENS.map(() => 0);
  const cs: number[] = SPECIAL_TOKENS.map(() => 0);
  for (const [p, c] of entries) {
    pieces.push(p);
    scores.push(roundScore(Math.log(Math.max(c, 0.5) / total)));
    cs.push(c);
  }
  return { pieces, scores, counts: cs };
}

/** Proposes and scores the vocabulary over `docs` (called again for each pass over the corpus). */
export function buildVocab(
  docs: () => Iterable<CorpusDoc>,
  opts: VocabOptions,
  log: (msg: string) => void = () => {},
): Vocab {
  const jieba = Jieba.withDict(dict);
  const han = new Map<string, number>();
  const chars = new Map<string, number>();
  const other = new Map<string, number>();
  for (const doc of docs()) {
    for (const part of doc.parts) {
      for (const p of preTokenize(normalizeText(part))) {
        if (isHan(p)) {
          for (const w of jieba.cut(p, true)) bump(han, w);
          for (const ch of p) bump(chars, ch);
        } else {
          bump(other, p);
        }
      }
    }
  }
  log(`jieba pass: ${han.size} Chinese words, ${chars.size} characters, ${other.size} other words`);

  let counts = new Map<string, number>();
  for (const [ch, c] of [...chars].sort(byCount)) {
    if (c >= opts.minCharCount) counts.set(ch, han.get(ch) ?? 0);
  }
  const words = [...han]
    .filter(([w, c]) => c >= opts.minHanCount && w.length > 1 && [...w].length <= opts.maxHanLength)
    .sort(byCount)
    .slice(0, opts.maxHanWords);
  for (const [w, c] of words) counts.set(w, c);
  for (const ch of ALWAYS_SINGLE) counts.set(ch, other.get(ch) ?? 0);
  const others = [...other]
    .filter(([w, c]) => c >= opts.minOtherCount && w.length > 1)
    .sort(byCount)
    .slice(0, opts.maxOtherWords);
  for (const [w, c] of others) counts.set(w, c);

  let vocab = toVocab(counts);
  for (let round = 0; round < opts.rounds; round++) {
    const seg = new UnigramSegmenter(vocab.pieces, vocab.scores, UNK_ID);
    const seen = new Float64Array(vocab.pieces.length);
    for (const doc of docs()) {
      for (const part of doc.parts) for (const id of seg.encodeText(part)) seen[id]!++;
    }
    // Keep every single character (the fallback that makes any text encodable), and the words the
    // segmentation still uses often enough; dropped words re-segment into smaller pieces next round.
    counts = new Map();
    vocab.pieces.forEach((p, id) => {
      if (id < SPECIAL_TOKENS.length) return;
      const c = seen[id]!;
      const single = [...p].length === 1;
      const min = isHan(p) ? opts.minHanCount : opts.minOtherCount;
      if (single || c >= min) counts.set(p, c);
    });
    vocab = toVocab(counts);
    log(`round ${round + 1}: ${vocab.pieces.length} pieces`);
  }
  return vocab;
}
