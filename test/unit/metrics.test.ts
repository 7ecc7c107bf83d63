import { describe, expect, it } from 'vitest';
import { evaluateRun, mrrAt, ndcgAt, parseQrels, recallAt } from '../../src/matching/metrics.ts';

// Hand-checked example: q1 has two relevant docs (a grade 1, b grade 2); q2 has one (z).
const qrels = parseQrels('query-id\tcorpus-id\tscore\nq1\ta\t1\nq1\tb\t2\nq1\tc\t0\nq2\tz\t1\n');

describe('metrics', () => {
  it('parses qrels, skipping the header', () => {
    expect([...qrels.keys()]).toEqual(['q1', 'q2']);
    expect(qrels.get('q1')?.get('b')).toBe(2);
  });

  it('computes nDCG with linear gain and log2 discount', () => {
    const judged = qrels.get('q1')!;
    // ranking x, a, b: DCG = 1/log2(3) + 2/log2(4) = 0.63093 + 1 ; IDCG = 2/1 + 1/log2(3) = 2.63093
    expect(ndcgAt(['x', 'a', 'b'], judged, 10)).toBeCloseTo(1.63093 / 2.63093, 4);
    expect(ndcgAt(['b', 'a'], judged, 10)).toBeCloseTo(1, 10);
    // cut at k = 2: only a at rank 2 counts; IDCG@2 stays 2.63093
    expect(ndcgAt(['x', 'a', 'b'], judged, 2)).toBeCloseTo(0.63093 / 2.63093, 4);
  });

  it('computes recall and MRR within k', () => {
    const judged = qrels.get('q1')!;
    expect(recallAt(['x', 'a', 'c'], judged, 10)).toBe(0.5);
    expect(recallAt(['x', 'y', 'a'], judged, 2)).toBe(0);
    expect(mrrAt(['x', 'c', 'b'], judged, 10)).toBeCloseTo(1 / 3, 10);
    expect(mrrAt(['x', 'c', 'b'], judged, 2)).toBe(0);
  });

  it('averages over judged queries and scores a missing query as 0', () => {
    const run = new Map([['q1', ['b', 'a']]]);
    const m = evaluateRun(run, qrels, 10);
    expect(m.queries).toBe(2);
    expect(m.ndcg).toBeCloseTo(0.5, 10);
    expect(m.recall).toBeCloseTo(0.5, 10);
    expect(m.mrr).toBeCloseTo(0.5, 10);
  });
});
