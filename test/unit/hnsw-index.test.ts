import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex } from '../../src/index/hnsw.ts';

const params = { m: 16, efConstruction: 100, efSearch: 50 };
function rnd(seed: number, dim: number): Float32Array {
  let x = (seed * 2654435761) >>> 0;
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    v[i] = x / 2 ** 32 - 0.5;
  }
  return v;
}

describe('HnswIndex', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hnsw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('grows past its initial capacity and finds each vector as its own nearest', () => {
    const idx = new HnswIndex(16, params, 8);
    for (let i = 1; i <= 100; i++) idx.add(i, rnd(i, 16));
    expect(idx.size).toBe(100);
    expect(idx.capacity).toBeGreaterThan(100);
    for (const i of [1, 50, 100]) expect(idx.search(rnd(i, 16), 1)[0]!.id).toBe(i);
  });

  it('never returns a removed label, and reuses its slot', () => {
    const idx = new HnswIndex(8, params, 16);
    for (let i = 1; i <= 10; i++) idx.add(i, rnd(i, 8));
    idx.remove(3);
    expect(idx.search(rnd(3, 8), 10).map((h) => h.id)).not.toContain(3);
    const cap = idx.capacity;
    idx.add(11, rnd(3, 8));
    expect(idx.capacity).toBe(cap);
    expect(idx.search(rnd(3, 8), 1)[0]!.id).toBe(11);
  });

  it('round-trips a snapshot, deletions included, and refuses a corrupt or foreign one', async () => {
    const file = join(dir, 'a.hnsw');
    const idx = new HnswIndex(8, params, 16);
    for (let i = 1; i <= 20; i++) idx.add(i, rnd(i, 8));
    idx.remove(5);
    await idx.save(file, { modelId: 'm1', side: 'offer' });
    const back = await HnswIndex.load(file, { modelId: 'm1', side: 'offer', dimension: 8, params });
    expect(back?.size).toBe(19);
    expect(back?.maxId).toBe(20);
    expect(back?.has(5)).toBe(false);
    expect(back?.search(rnd(7, 8), 1)[0]!.id).toBe(7);
    expect(
      await HnswIndex.load(file, { modelId: 'm2', side: 'offer', dimension: 8, params }),
    ).toBeUndefined();
    await idx.save(file, { modelId: 'm1', side: 'offer' });
    writeFileSync(file, 'not an index');
    expect(
      await HnswIndex.load(file, { modelId: 'm1', side: 'offer', dimension: 8, params }),
    ).toBeUndefined();
  });

  it('rejects a vector of the wrong dimension', () => {
    const idx = new HnswIndex(8, params);
    expect(() => idx.add(1, new Float32Array(4))).toThrow(/dimension/);
  });
});
