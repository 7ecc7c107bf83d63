import { describe, expect, it } from 'vitest';
import { HnswIndex } from '../../src/index/hnsw.ts';
import type { Side } from '../../src/listings/schemas.ts';
import { Hubness } from '../../src/matching/hubness.ts';

const params = { m: 16, efConstruction: 200, efSearch: 100 };

function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Deterministic pseudo-random unit vectors. */
function vectors(n: number, dim: number, seed: number): Float32Array[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: n }, () => unit(Array.from({ length: dim }, rnd)));
}

function sides(needs: Float32Array[], offers: Float32Array[]) {
  const idx = { need: new HnswIndex(8, params, 64), offer: new HnswIndex(8, params, 64) };
  needs.forEach((v, i) => idx.need.add(i + 1, v));
  offers.forEach((v, i) => idx.offer.add(1000 + i, v));
  return { idx, registry: { get: (side: Side) => idx[side] } };
}

describe('CSLS hubness', () => {
  it('is the mean cosine of the k nearest listings of the other side', () => {
    const needs = vectors(30, 8, 7);
    const offer = vectors(1, 8, 99)[0]!;
    const { registry } = sides(needs, []);
    const h = new Hubness(registry, 5);
    const top5 = needs
      .map((n) => cosine(n, offer))
      .sort((a, b) => b - a)
      .slice(0, 5);
    const expected = top5.reduce((a, b) => a + b, 0) / 5;
    expect(h.of(1000, 'need', offer)).toBeCloseTo(expected, 5);
    expect(h.compute('need', offer)).toBeCloseTo(expected, 5);
  });

  it('is 0 against an empty side and averages fewer than k neighbours when that is all there is', () => {
    const [a, b] = vectors(2, 8, 3);
    const { registry } = sides([a!], []);
    const h = new Hubness(registry, 10);
    expect(h.compute('offer', a!)).toBe(0);
    expect(h.compute('need', b!)).toBeCloseTo(cosine(a!, b!), 5);
  });

  it('reuses a cached value until the other side has changed by more than 5 %', () => {
    const needs = vectors(40, 8, 11);
    const offer = vectors(1, 8, 5)[0]!;
    const { idx, registry } = sides(needs, []);
    const h = new Hubness(registry, 10);
    const r0 = h.of(1000, 'need', offer);
    // A need identical to the offer: r would rise, but 1 of 40 is within the drift allowed.
    idx.need.add(100, offer);
    expect(h.cached(1000, 'need')).toBe(r0);
    expect(h.of(1000, 'need', offer)).toBe(r0);
    // Two more (3 of 40): the cached value is stale and the new one sees the close needs.
    idx.need.add(101, offer);
    idx.need.add(102, offer);
    expect(h.cached(1000, 'need')).toBeUndefined();
    expect(h.of(1000, 'need', offer)).toBeGreaterThan(r0);
  });

  it('ranks a specific offer above a hub that is as close to the need but close to every need', () => {
    // Needs spread over 4 directions; the hub sits between all of them, the specific offer near one.
    const needs = [
      unit([1, 0, 0, 0, 0, 0, 0, 0.1]),
      unit([0, 1, 0, 0, 0, 0, 0, 0.1]),
      unit([0, 0, 1, 0, 0, 0, 0, 0.1]),
      unit([0, 0, 0, 1, 0, 0, 0, 0.1]),
    ];
    const hub = unit([1, 1, 1, 1, 0, 0, 0, 0]);
    const query = needs[0]!;
    // As close to the query as the hub is, but pointing away from the other needs.
    const c = cosine(query, hub);
    const specific = unit([c, 0, 0, 0, Math.sqrt(1 - c * c), 0, 0, 0]);
    expect(cosine(query, specific)).toBeCloseTo(cosine(query, hub), 2);
    const { registry } = sides(needs, [hub, specific]);
    const h = new Hubness(registry, 2);
    const rq = h.of(1, 'offer', query);
    const csls = (v: Float32Array, id: number) => 2 * cosine(query, v) - rq - h.of(id, 'need', v);
    expect(csls(specific, 1001)).toBeGreaterThan(csls(hub, 1000) + 0.1);
  });
});
