import { describe, expect, it } from 'vitest';
import type { SegmentedCorpus } from '../../models/lib/cooc.ts';
import { mineKeywordPairs, type KeywordPairOptions } from '../../models/lib/keyword-pairs.ts';

/** A corpus of token-id documents, one part each. */
function corpus(docs: { source: string; tokens: number[] }[]): SegmentedCorpus {
  const sources = [...new Set(docs.map((d) => d.source))];
  const tokens: number[] = [];
  const partOffsets = [0];
  for (const d of docs) {
    tokens.push(...d.tokens);
    partOffsets.push(tokens.length);
  }
  return {
    tokens: Int32Array.from(tokens),
    partOffsets: Int32Array.from(partOffsets),
    docParts: Int32Array.from(docs.map((_, i) => i).concat(docs.length)),
    docSource: Uint8Array.from(docs.map((d) => sources.indexOf(d.source))),
    sources,
    counts: new Float64Array(1000),
  };
}

describe('masked-keyword pairs', () => {
  // 60 documents over a vocabulary where ids ≥ 100 are "words" and ids < 100 are not.
  const docs = Array.from({ length: 60 }, (_, i) => ({
    source: i % 3 === 0 ? 'other.txt' : 'sci.txt',
    tokens: Array.from({ length: 40 }, (_, k) => (k % 4 === 0 ? k : 100 + ((i * 7 + k * 13) % 97))),
  }));
  const c = corpus(docs);
  const o: KeywordPairOptions = {
    groups: [{ name: 'kw-sci', files: ['sci.txt'] }],
    minDf: 3,
    maxDfShare: 0.5,
    minKeywords: 2,
    maxKeywords: 5,
    minRest: 10,
    samplesPerDoc: 2,
  };
  const isWord = (id: number) => id >= 100;

  it('removes every keyword from its positive and takes only words from the mined files', () => {
    const { pairs, counts } = mineKeywordPairs(c, isWord, 7, 1, o);
    expect(pairs.length).toBeGreaterThan(40);
    expect([...counts.keys()]).toEqual(['kw-sci']);
    for (const p of pairs) {
      expect(p.group).toBe(7);
      expect(p.q.length).toBeGreaterThanOrEqual(2);
      expect(p.q.length).toBeLessThanOrEqual(5);
      expect(new Set(p.q).size).toBe(p.q.length);
      for (const id of p.q) {
        expect(isWord(id)).toBe(true);
        expect(p.d).not.toContain(id);
      }
      expect(p.d.length).toBeGreaterThanOrEqual(10);
    }
  });

  it('draws different keywords per sample, and the same pairs for the same seed', () => {
    const a = mineKeywordPairs(c, isWord, 0, 1, o).pairs;
    const b = mineKeywordPairs(c, isWord, 0, 1, o).pairs;
    expect(b).toEqual(a);
    const one = mineKeywordPairs(c, isWord, 0, 1, { ...o, samplesPerDoc: 1 }).pairs;
    expect(a.length).toBe(2 * one.length);
    const key = (p: { q: Int32Array }) => [...p.q].sort().join(',');
    const half = a.length / 2;
    const differ = a.slice(0, half).filter((p, i) => key(p) !== key(a[half + i]!)).length;
    expect(differ).toBeGreaterThan(half / 2);
  });
});
