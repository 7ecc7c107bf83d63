/**
 * Masked-keyword pairs: a few salient words of a document are the query, the document with every
 * occurrence of them removed is the positive. Inverse cloze and headline pairs share many words
 * between query and positive, so a mean-pooled model can learn them by overlap alone; here the
 * query's words are gone from the positive, so the rows must learn which words a topic's other
 * words predict. That is what a need worded differently from its offer asks of the dense score
 * (lexical scoring already covers shared words). No eval labels are used.
 */
import type { TokenPair } from './contrastive.ts';
import type { SegmentedCorpus } from './cooc.ts';
import { mulberry32 } from './linalg.ts';

export interface KeywordPairOptions {
  /** Batch groups and the corpus files (as `CorpusDoc.source`) each is mined from. */
  groups: ReadonlyArray<{ name: string; files: readonly string[] }>;
  /** Keywords are drawn from words in at least this many of the mined documents… */
  minDf: number;
  /** …and in under this share of them (common words say little about a topic). */
  maxDfShare: number;
  minKeywords: number;
  maxKeywords: number;
  /** Positives shorter than this (after removal) are skipped. */
  minRest: number;
  /** Pairs drawn per document (each with its own random keyword choice). */
  samplesPerDoc: number;
}

/**
 * `samplesPerDoc` pairs per mined document, each with 2–5 keywords chosen by tf·idf times a random
 * factor (so each sample picks different words), from tokens `isWord` accepts (multi-character
 * Chinese words).
 */
export function mineKeywordPairs(
  corpus: SegmentedCorpus,
  isWord: (id: number) => boolean,
  firstGroup: number,
  seed: number,
  o: KeywordPairOptions,
): { pairs: TokenPair[]; counts: Map<string, number> } {
  const rand = mulberry32(seed);
  const docs: { tokens: Int32Array; group: number }[] = [];
  for (let d = 0; d + 1 < corpus.docParts.length; d++) {
    const file = corpus.sources[corpus.docSource[d]!]!;
    const src = o.groups.findIndex((g) => g.files.includes(file));
    if (src < 0) continue;
    const from = corpus.partOffsets[corpus.docParts[d]!]!;
    const to = corpus.partOffsets[corpus.docParts[d + 1]!]!;
    docs.push({ tokens: corpus.tokens.subarray(from, to), group: src });
  }
  const df = new Map<number, number>();
  for (const { tokens } of docs)
    for (const id of new Set(tokens)) df.set(id, (df.get(id) ?? 0) + 1);
  const n = docs.length;
  const pairs: TokenPair[] = [];
  const counts = new Map<string, number>();
  for (let sample = 0; sample < o.samplesPerDoc; sample++) {
    for (const { tokens, group } of docs) mineOne(tokens, group);
  }
  return { pairs, counts };

  function mineOne(tokens: Int32Array, group: number): void {
    const tf = new Map<number, number>();
    for (const id of tokens) tf.set(id, (tf.get(id) ?? 0) + 1);
    const scored: [number, number][] = [];
    for (const [id, c] of tf) {
      const f = df.get(id)!;
      if (!isWord(id) || f < o.minDf || f >= n * o.maxDfShare) continue;
      scored.push([id, (1 + Math.log(c)) * Math.log(n / f) * (0.5 + rand())]);
    }
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const k = o.minKeywords + Math.floor(rand() * (o.maxKeywords - o.minKeywords + 1));
    if (scored.length < k + 3) return;
    const q = scored.slice(0, k).map(([id]) => id);
    const drop = new Set(q);
    const d = tokens.filter((id) => !drop.has(id));
    if (d.length < o.minRest) return;
    pairs.push({ group: firstGroup + group, q: Int32Array.from(q), d: Int32Array.from(d) });
    const name = o.groups[group]!.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
}
