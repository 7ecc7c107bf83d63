import { describe, expect, it } from 'vitest';
import { ExactIndex } from '../../src/index/exact.ts';

// The two brute-force paths (a scalar loop and onnxruntime's matrix multiply) must agree.
describe('ExactIndex', () => {
  it('finds the same top-k with the scalar loop and the GEMM path', async () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
    const d = 24;
    const idx = new ExactIndex(d, 500);
    const vecs = Array.from({ length: 500 }, () => Float32Array.from({ length: d }, rnd));
    vecs.forEach((v, i) => idx.add(1000 + i, v));
    const queries = vecs.slice(0, 70);
    const many = await idx.searchMany(queries, 12);
    queries.forEach((q, i) => {
      const one = idx.search(q, 12);
      expect(many[i]!.map((h) => h.id)).toEqual(one.map((h) => h.id));
      expect(many[i]![0]!.id).toBe(1000 + i);
      expect(many[i]![0]!.score).toBeCloseTo(1, 5);
    });
    expect((await idx.searchMany([vecs[0]!], 10_000))[0]!.length).toBe(500);
  });
});
