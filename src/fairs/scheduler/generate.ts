import type { FairInstance } from './fair.ts';

/** A generated fair: participants with availability, caps, some fixed-table hosts; scored pairs. */
export function generateFair(
  participants: number,
  pairs: number,
  slots: number,
  tables: number,
  seed = 7,
): FairInstance {
  let x = seed;
  const r = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296;
  const half = slots / 2;
  const ps = Array.from({ length: participants }, (_, i) => ({
    id: `p${i}`,
    // Most attend both sessions; some only one; a few scattered unavailable slots.
    available: Array.from({ length: slots }, (_, t) => {
      if ((i % 10 === 1 && t >= half) || (i % 10 === 2 && t < half)) return false;
      return r() > 0.05;
    }),
    maxMeetings: 4 + Math.floor(r() * 9),
    // A quarter of the tables (at most 100) belong to fixed hosts, so any table count works.
    fixedTable: i < Math.min(100, Math.floor(tables / 4)) ? i : undefined,
  }));
  const seen = new Set<string>();
  const candidates: FairInstance['candidates'] = [];
  while (candidates.length < pairs) {
    const a = Math.floor(r() * participants);
    const b = Math.floor(r() * participants);
    const k = a < b ? `${a}:${b}` : `${b}:${a}`;
    if (a === b || seen.has(k)) continue;
    seen.add(k);
    candidates.push({ a, b, value: Math.round(r() * 1000) / 1000, must: r() < 0.01 });
  }
  const vetoed: [number, number][] = candidates.slice(0, 200).map((c) => [c.a, c.b]);
  return {
    slots,
    sessions: [
      [1, half],
      [half + 1, slots],
    ],
    tables,
    participants: ps,
    candidates,
    vetoed,
  };
}
