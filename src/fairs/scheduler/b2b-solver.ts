import { allowedSlots, type B2bInstance, type B2bSchedule } from '../b2b.ts';
import type { LpResult } from './highs.ts';
import { lpText } from './lp-text.ts';

/** What a solve returns: the schedule, its breaks, the best lower bound known, and time. */
export interface SolveResult {
  schedule: B2bSchedule;
  breaks: number;
  /** A proven lower bound on the breaks (0 when nothing better is known). */
  bound: number;
  method: 'exact' | 'heuristic';
  optimal: boolean;
  ms: number;
}

/** Dense indices over an instance: meetings 0..M-1, participants 0..P-1, slots 1..S. */
interface Model {
  S: number;
  tables: number;
  a: Int32Array;
  b: Int32Array;
  allowed: number[][];
  /** Meetings of each participant (indices). */
  meetingsOf: number[][];
  /** after[m]: meeting indices that must come strictly earlier than m. */
  after: number[][];
}

function buildModel(inst: B2bInstance): Model {
  const pIndex = new Map(inst.participants.map((p, i) => [p.id, i]));
  const mIndex = new Map(inst.meetings.map((m, i) => [m.id, i]));
  const M = inst.meetings.length;
  const a = new Int32Array(M);
  const b = new Int32Array(M);
  const meetingsOf: number[][] = inst.participants.map(() => []);
  inst.meetings.forEach((m, i) => {
    a[i] = pIndex.get(m.a)!;
    b[i] = pIndex.get(m.b)!;
    meetingsOf[a[i]]!.push(i);
    meetingsOf[b[i]]!.push(i);
  });
  return {
    S: inst.slots,
    tables: inst.tables,
    a,
    b,
    allowed: inst.meetings.map((_, i) => allowedSlots(inst, i)),
    meetingsOf,
    after: inst.meetings.map((m) => m.after.map((q) => mIndex.get(q)!)),
  };
}

/** Breaks of one participant given a slot-occupancy row (slot → meeting or -1). */
function rowBreaks(row: Int32Array): number {
  let breaks = 0;
  let seen = false;
  let gap = false;
  for (let t = 1; t < row.length; t++) {
    if (row[t]! >= 0) {
      if (seen && gap) breaks++;
      seen = true;
      gap = false;
    } else if (seen) gap = true;
  }
  return breaks;
}

function toSchedule(inst: B2bInstance, slotOf: Int32Array): B2bSchedule {
  const s: B2bSchedule = {};
  inst.meetings.forEach((m, i) => (s[m.id] = slotOf[i]!));
  return s;
}

/** Deterministic PRNG so that a given seed reproduces a schedule. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * Heuristic: simulated annealing over slot assignments with hard rules as penalties. Start
 * from a greedy placement (most constrained meetings first, least-loaded slot that adds the
 * fewest breaks), then move meetings between their allowed slots minimising
 * `PENALTY × violations + breaks` until `timeLimitMs`. Only violation-free states are kept as
 * results; the best one is returned.
 */
export function solveHeuristic(inst: B2bInstance, timeLimitMs = 2000, seed = 1): SolveResult {
  const t0 = performance.now();
  const deadline = t0 + timeLimitMs;
  const RESTART = 1_000_000;
  let best: SolveResult | undefined;
  for (let run = 0; performance.now() < deadline && !(best && best.breaks === 0); run++) {
    const r = attempt(inst, deadline, (seed * 7919 + run) >>> 0, RESTART);
    if (!best || r.breaks < best.breaks) best = r;
  }
  if (!best) best = attempt(inst, deadline, seed, RESTART);
  return { ...best, ms: performance.now() - t0 };
}

function attempt(inst: B2bInstance, deadline: number, seed: number, maxIters: number): SolveResult {
  const t0 = performance.now();
  const timeLimitMs = deadline - t0;
  const md = buildModel(inst);
  const M = md.a.length;
  const P = md.meetingsOf.length;
  const S = md.S;
  const PENALTY = 50;
  // occ[p * (S + 2) + t]: meetings of participant p in slot t (padding at both ends).
  const W = S + 2;
  const occ = new Int32Array(P * W);
  const cnt = new Int32Array(S + 2);
  const slotOf = new Int32Array(M);
  const before = md.after; // meetings that must be earlier than m
  const laterThan: number[][] = Array.from({ length: M }, () => []);
  before.forEach((qs, m) => qs.forEach((q) => laterThan[q]!.push(m)));

  const breaksOf = (p: number): number => {
    let br = 0;
    let seen = false;
    let gap = false;
    const o = p * W;
    for (let t = 1; t <= S; t++) {
      if (occ[o + t]! > 0) {
        if (seen && gap) br++;
        seen = true;
        gap = false;
      } else if (seen) gap = true;
    }
    return br;
  };
  const precViolations = (m: number): number => {
    let v = 0;
    for (const q of before[m]!) if (slotOf[q]! >= slotOf[m]!) v++;
    for (const q of laterThan[m]!) if (slotOf[q]! <= slotOf[m]!) v++;
    return v;
  };
  /** Violations touching participant rows a, b and slots f, t, plus m's precedences. */
  const localViolations = (m: number, f: number, t: number): number => {
    let v = 0;
    for (const p of [md.a[m]!, md.b[m]!]) {
      v += Math.max(0, occ[p * W + f]! - 1) + (t !== f ? Math.max(0, occ[p * W + t]! - 1) : 0);
    }
    v += Math.max(0, cnt[f]! - md.tables) + (t !== f ? Math.max(0, cnt[t]! - md.tables) : 0);
    return v + precViolations(m);
  };
  const put = (m: number, t: number, d: number) => {
    occ[md.a[m]! * W + t]! += d;
    occ[md.b[m]! * W + t]! += d;
    cnt[t]! += d;
  };

  const relocate = (m: number, t: number) => {
    put(m, slotOf[m]!, -1);
    put(m, t, 1);
    slotOf[m] = t;
  };

  // Greedy start.
  const order = [...Array(M).keys()].sort(
    (x, y) =>
      md.allowed[x]!.length - md.allowed[y]!.length ||
      md.meetingsOf[md.a[y]!]!.length +
        md.meetingsOf[md.b[y]!]!.length -
        (md.meetingsOf[md.a[x]!]!.length + md.meetingsOf[md.b[x]!]!.length),
  );
  for (const m of order) {
    let best = md.allowed[m]![0]!;
    let bestCost = Infinity;
    for (const t of md.allowed[m]!) {
      put(m, t, 1);
      slotOf[m] = t;
      const cost =
        PENALTY * localViolations(m, t, t) +
        breaksOf(md.a[m]!) +
        breaksOf(md.b[m]!) +
        cnt[t]! * 1e-3;
      put(m, t, -1);
      if (cost < bestCost) {
        bestCost = cost;
        best = t;
      }
    }
    slotOf[m] = best;
    put(m, best, 1);
  }

  const recount = () => {
    let v = 0;
    for (let p = 0; p < P; p++) for (let t = 1; t <= S; t++) v += Math.max(0, occ[p * W + t]! - 1);
    for (let t = 1; t <= S; t++) v += Math.max(0, cnt[t]! - md.tables);
    for (let m = 0; m < M; m++) for (const q of before[m]!) if (slotOf[q]! >= slotOf[m]!) v++;
    let b = 0;
    for (let p = 0; p < P; p++) b += breaksOf(p);
    return { violations: v, breaks: b };
  };
  let { violations, breaks } = recount();
  let bestBreaks = violations === 0 ? breaks : Number.POSITIVE_INFINITY;
  let bestSlots = Int32Array.from(slotOf);
  const rand = rng(seed);
  let temp = 2;
  for (let iter = 1; ; iter++) {
    if ((iter & 1023) === 0) {
      const now = performance.now();
      if (now > deadline || Number.isFinite(bestBreaks)) break;
      temp = Math.max(0.05, 2 * (1 - (now - t0) / timeLimitMs));
    }
    const m = Math.floor(rand() * M);
    const opts = md.allowed[m]!;
    if (opts.length < 2) continue;
    const f = slotOf[m]!;
    const t = opts[Math.floor(rand() * opts.length)]!;
    if (t === f) continue;
    // Half the time, swap with a meeting of the same participants that sits in the target
    // slot (a plain move would double-book them); otherwise move alone.
    let o = -1;
    if (rand() < 0.5) {
      for (const q of md.meetingsOf[rand() < 0.5 ? md.a[m]! : md.b[m]!]!) {
        if (q !== m && slotOf[q] === t && md.allowed[q]!.includes(f)) {
          o = q;
          break;
        }
      }
    }
    const people =
      o < 0 ? [md.a[m]!, md.b[m]!] : [...new Set([md.a[m]!, md.b[m]!, md.a[o]!, md.b[o]!])];
    const vBefore = localViolations(m, f, t) + (o < 0 ? 0 : localViolations(o, t, f));
    const bBefore = people.reduce((x, p) => x + breaksOf(p), 0);
    relocate(m, t);
    if (o >= 0) relocate(o, f);
    const vAfter = localViolations(m, f, t) + (o < 0 ? 0 : localViolations(o, t, f));
    const bAfter = people.reduce((x, p) => x + breaksOf(p), 0);
    const delta = PENALTY * (vAfter - vBefore) + (bAfter - bBefore);
    if (delta <= 0 || rand() < Math.exp(-delta / temp)) {
      violations += vAfter - vBefore;
      breaks += bAfter - bBefore;
      if (violations <= 0 && breaks < bestBreaks) {
        // Incremental counts are cheap but overlap on swaps: recount before trusting them.
        const exact = recount();
        violations = exact.violations;
        breaks = exact.breaks;
        if (violations === 0 && breaks < bestBreaks) {
          bestBreaks = breaks;
          bestSlots = Int32Array.from(slotOf);
        }
      }
    } else {
      relocate(m, f);
      if (o >= 0) relocate(o, t);
    }
  }
  if (!Number.isFinite(bestBreaks)) {
    throw new Error(
      `no feasible schedule found in ${timeLimitMs} ms (${violations} violations left); the instance may be infeasible`,
    );
  }
  const polished = kempeSearch(md, bestSlots, deadline, rand, maxIters);
  return {
    schedule: toSchedule(inst, polished.slotOf),
    breaks: polished.breaks,
    bound: 0,
    method: 'heuristic',
    optimal: polished.breaks === 0,
    ms: performance.now() - t0,
  };
}

/**
 * Phase 2 of the heuristic: annealing that never leaves the feasible space. Its move is a
 * Kempe chain: take a meeting in slot t1 and another allowed slot t2, and swap between t1 and
 * t2 every meeting connected to it through a shared participant in those two slots. Such a
 * swap never double-books anyone; it is kept only if every moved meeting is allowed in its
 * new slot, both slots stay within the tables and precedences hold. Cost: breaks, plus a
 * small weight on idle slots between meetings, which guides the search across the plateaus of
 * equal break counts (zero breaks ⇔ zero idle slots). The temperature follows the iteration
 * count, not the clock, and each cycle restarts from the best state, so a seed reproduces the
 * same search (only where it stops depends on the time limit).
 */
function kempeSearch(
  md: Model,
  start: Int32Array,
  deadline: number,
  rand: () => number,
  maxIters = Number.POSITIVE_INFINITY,
): { slotOf: Int32Array; breaks: number; iters: number } {
  const M = md.a.length;
  const P = md.meetingsOf.length;
  const S = md.S;
  const W = S + 2;
  const IDLE = 0.2;
  const slotOf = Int32Array.from(start);
  // at[p * W + t]: meeting index + 1 of participant p in slot t, 0 when free.
  const at = new Int32Array(P * W);
  const cnt = new Int32Array(W);
  const ok = new Uint8Array(M * W);
  for (let m = 0; m < M; m++) {
    for (const t of md.allowed[m]!) ok[m * W + t] = 1;
    at[md.a[m]! * W + slotOf[m]!] = m + 1;
    at[md.b[m]! * W + slotOf[m]!] = m + 1;
    cnt[slotOf[m]!]!++;
  }
  const laterThan: number[][] = Array.from({ length: M }, () => []);
  md.after.forEach((qs, m) => qs.forEach((q) => laterThan[q]!.push(m)));
  const hasPrec = md.after.some((qs) => qs.length > 0);
  const rowBreaks = new Int32Array(P);
  const rowIdle = new Int32Array(P);
  const scoreRow = (p: number) => {
    let br = 0;
    let idle = 0;
    let last = 0;
    const o = p * W;
    for (let t = 1; t <= S; t++) {
      if (at[o + t]! > 0) {
        if (last > 0 && t - last > 1) {
          br++;
          idle += t - last - 1;
        }
        last = t;
      }
    }
    rowBreaks[p] = br;
    rowIdle[p] = idle;
  };
  let breaks = 0;
  let idle = 0;
  for (let p = 0; p < P; p++) {
    scoreRow(p);
    breaks += rowBreaks[p]!;
    idle += rowIdle[p]!;
  }
  let best = Int32Array.from(slotOf);
  let bestBreaks = breaks;
  let bestIdle = idle;

  const chain: number[] = [];
  const inChain = new Uint8Array(M);
  const people: number[] = [];
  const seenP = new Uint8Array(P);
  const place = (m: number, t: number) => {
    at[md.a[m]! * W + t] = m + 1;
    at[md.b[m]! * W + t] = m + 1;
  };
  const swapChain = (t1: number, t2: number) => {
    for (const q of chain) {
      const f = slotOf[q]!;
      at[md.a[q]! * W + f] = 0;
      at[md.b[q]! * W + f] = 0;
    }
    for (const q of chain) {
      const f = slotOf[q]!;
      const t = f === t1 ? t2 : t1;
      slotOf[q] = t;
      cnt[f]!--;
      cnt[t]!++;
      place(q, t);
    }
  };
  const restore = (snapshot: Int32Array) => {
    slotOf.set(snapshot);
    at.fill(0);
    cnt.fill(0);
    for (let m = 0; m < M; m++) {
      place(m, slotOf[m]!);
      cnt[slotOf[m]!]!++;
    }
    breaks = 0;
    idle = 0;
    for (let p = 0; p < P; p++) {
      scoreRow(p);
      breaks += rowBreaks[p]!;
      idle += rowIdle[p]!;
    }
  };

  const CYCLE = 300_000;
  const T_HIGH = 0.6;
  const T_LOW = 0.02;
  const TARGETED = 0.5;
  const FOCUS = 0.5;
  const hot: number[] = [];
  let iter = 0;
  for (; bestBreaks > 0 && iter < maxIters; iter++) {
    if ((iter & 1023) === 0 && performance.now() > deadline) break;
    const phase = (iter % CYCLE) / CYCLE;
    if (iter > 0 && iter % CYCLE === 0) restore(best);
    const temp = T_HIGH * Math.pow(T_LOW / T_HIGH, phase);
    if ((iter & 255) === 0) {
      // The meetings of participants with a break and of their partners: where moves matter.
      hot.length = 0;
      for (let p = 0; p < P; p++) {
        if (rowBreaks[p] === 0) continue;
        for (const q of md.meetingsOf[p]!) {
          hot.push(q);
          const o = md.a[q] === p ? md.b[q]! : md.a[q]!;
          hot.push(...md.meetingsOf[o]!);
        }
      }
    }
    const m =
      hot.length > 0 && rand() < FOCUS
        ? hot[Math.floor(rand() * hot.length)]!
        : Math.floor(rand() * M);
    const opts = md.allowed[m]!;
    if (opts.length < 2) continue;
    const t1 = slotOf[m]!;
    let t2: number;
    if (rand() < TARGETED) {
      // Next to another meeting of one of its participants: the moves that close gaps.
      const mine = md.meetingsOf[rand() < 0.5 ? md.a[m]! : md.b[m]!]!;
      const q = mine[Math.floor(rand() * mine.length)]!;
      t2 = slotOf[q]! + (rand() < 0.5 ? -1 : 1);
      if (t2 < 1 || t2 > S || !ok[m * W + t2]) continue;
    } else t2 = opts[Math.floor(rand() * opts.length)]!;
    if (t2 === t1) continue;
    // Build the chain.
    chain.length = 0;
    chain.push(m);
    inChain[m] = 1;
    let feasible = true;
    let into2 = 0;
    let into1 = 0;
    for (let i = 0; i < chain.length && feasible; i++) {
      const q = chain[i]!;
      const other = slotOf[q] === t1 ? t2 : t1;
      if (!ok[q * W + other]) feasible = false;
      if (other === t2) into2++;
      else into1++;
      for (const p of [md.a[q]!, md.b[q]!]) {
        const r = at[p * W + other]! - 1;
        if (r >= 0 && !inChain[r]) {
          inChain[r] = 1;
          chain.push(r);
        }
      }
    }
    for (const q of chain) inChain[q] = 0;
    if (!feasible) continue;
    if (cnt[t2]! + into2 - into1 > md.tables || cnt[t1]! + into1 - into2 > md.tables) continue;
    people.length = 0;
    let before = 0;
    for (const q of chain) {
      for (const p of [md.a[q]!, md.b[q]!]) {
        if (seenP[p]) continue;
        seenP[p] = 1;
        people.push(p);
        before += rowBreaks[p]! + IDLE * rowIdle[p]!;
      }
    }
    swapChain(t1, t2);
    let precOk = true;
    if (hasPrec) {
      for (const q of chain) {
        for (const r of md.after[q]!) if (slotOf[r]! >= slotOf[q]!) precOk = false;
        for (const r of laterThan[q]!) if (slotOf[r]! <= slotOf[q]!) precOk = false;
      }
    }
    let after = 0;
    let dBreaks = 0;
    let dIdle = 0;
    const oldB = people.map((p) => rowBreaks[p]!);
    const oldI = people.map((p) => rowIdle[p]!);
    for (const p of people) {
      seenP[p] = 0;
      dBreaks -= rowBreaks[p]!;
      dIdle -= rowIdle[p]!;
      scoreRow(p);
      dBreaks += rowBreaks[p]!;
      dIdle += rowIdle[p]!;
      after += rowBreaks[p]! + IDLE * rowIdle[p]!;
    }
    const delta = after - before;
    if (precOk && (delta <= 0 || rand() < Math.exp(-delta / temp))) {
      breaks += dBreaks;
      idle += dIdle;
      if (breaks < bestBreaks || (breaks === bestBreaks && idle < bestIdle)) {
        bestBreaks = breaks;
        bestIdle = idle;
        best = Int32Array.from(slotOf);
      }
    } else {
      swapChain(t1, t2);
      people.forEach((p, i) => {
        rowBreaks[p] = oldB[i]!;
        rowIdle[p] = oldI[i]!;
      });
    }
  }
  return { slotOf: best, breaks: bestBreaks, iters: iter };
}

/** Constraints every model shares: one slot per meeting, tables per slot, precedences. */
function commonRows(md: Model, allowed: number[][], cons: string[], bins: string[]): void {
  const M = md.a.length;
  for (let m = 0; m < M; m++) {
    const vs = allowed[m]!.map((t) => xVar(m, t));
    if (vs.length === 0) throw new Error(`meeting index ${m} has no allowed slot`);
    cons.push(` assign_${m}: ${vs.join(' + ')} = 1`);
    bins.push(...vs);
    for (const q of md.after[m]!) {
      const terms = [
        ...allowed[q]!.map((t) => `${t} ${xVar(q, t)}`),
        ...allowed[m]!.map((t) => `- ${t} ${xVar(m, t)}`),
      ];
      cons.push(` prec_${q}_${m}: ${terms.join(' + ').replace(/\+ -/g, '-')} <= -1`);
    }
  }
  const inSlot: string[][] = Array.from({ length: md.S + 1 }, () => []);
  for (let m = 0; m < M; m++) for (const t of allowed[m]!) inSlot[t]!.push(xVar(m, t));
  for (let t = 1; t <= md.S; t++)
    if (inSlot[t]!.length > md.tables)
      cons.push(` tables_${t}: ${inSlot[t]!.join(' + ')} <= ${md.tables}`);
}
const xVar = (m: number, t: number) => `x_${m}_${t}`;

/** `busy_p_t: Σ x(meetings of p, t) − Σ covering blocks = 0`, in LP syntax. */
function busyRow(p: number, t: number, xs: string[], blocks: string[]): string {
  const terms = [...xs.map((v) => `+ ${v}`), ...blocks.map((z) => `- ${z}`)].join(' ');
  return ` busy_${p}_${t}: ${terms.replace(/^\+ /, '')} = 0`;
}

/**
 * The zero-break model: a feasibility MIP whose solutions are exactly the schedules without a
 * break. Each participant p with k ≥ 2 meetings picks one block of k consecutive slots free of
 * its forbidden slots (y[p,s], Σ_s y = 1), and in every slot p has a meeting exactly when the
 * block covers it. Far smaller and tighter than the general model (a block's position is one
 * choice, not k), so HiGHS settles it in seconds on the real instances. `allowed` may be
 * narrowed (a fixed slot per meeting outside a neighbourhood) for the repair step.
 */
function zeroBreakLp(md: Model, allowed: number[][]): string {
  const cons: string[] = [];
  const bins: string[] = [];
  // Meeting rows first: HiGHS's search is sensitive to column order, and x-first is the
  // order that settled fastest in our runs.
  commonRows(md, allowed, cons, bins);
  for (let p = 0; p < md.meetingsOf.length; p++) {
    const mine = md.meetingsOf[p]!;
    const k = mine.length;
    if (k < 2) continue;
    const can = new Uint8Array(md.S + 2);
    for (const m of mine) for (const t of allowed[m]!) can[t] = 1;
    const cover: string[][] = Array.from({ length: md.S + 1 }, () => []);
    const ys: string[] = [];
    for (let s = 1; s + k - 1 <= md.S; s++) {
      let fits = true;
      for (let t = s; t < s + k && fits; t++) if (!can[t]) fits = false;
      if (!fits) continue;
      const y = `y_${p}_${s}`;
      ys.push(y);
      for (let t = s; t < s + k; t++) cover[t]!.push(y);
    }
    // No block fits: an empty sum equal to 1 makes the model infeasible, as it should be.
    cons.push(
      ` block_${p}: ${ys.length > 0 ? ys.join(' + ') : `0 ${xVar(mine[0]!, allowed[mine[0]!]![0]!)}`} = 1`,
    );
    bins.push(...ys);
    for (let t = 1; t <= md.S; t++) {
      const xs = mine.filter((m) => allowed[m]!.includes(t)).map((m) => xVar(m, t));
      if (xs.length > 0 || cover[t]!.length > 0) cons.push(busyRow(p, t, xs, cover[t]!));
    }
  }
  return lpText({
    sense: 'Minimize',
    objective: '0 y_dummy',
    rows: cons,
    bounds: [' y_dummy = 0'],
    binaries: bins,
  });
}

/**
 * The general model, interval formulation: for each participant p with k ≥ 2 meetings,
 * z[p,s,e] ∈ [0,1] for each interval [s, e] of at most k slots free of p's forbidden slots (one
 * block of consecutive meetings). Per slot, p's meetings equal the blocks covering the slot, so
 * blocks never overlap and p is never double-booked; breaks = Σ blocks − participants with two
 * or more meetings (the returned offset).
 */
function generalLp(md: Model, forbidden: Set<number>[]): { lp: string; offset: number } {
  const obj: string[] = [];
  const cons: string[] = [];
  const bins: string[] = [];
  let offset = 0;
  for (let p = 0; p < md.meetingsOf.length; p++) {
    const mine = md.meetingsOf[p]!;
    const k = mine.length;
    if (k < 2) continue;
    offset++;
    const cover: string[][] = Array.from({ length: md.S + 1 }, () => []);
    for (let s = 1; s <= md.S; s++) {
      for (let e = s; e <= md.S && e - s < k; e++) {
        if (forbidden[p]!.has(e)) break;
        const z = `z_${p}_${s}_${e}`;
        obj.push(z);
        for (let t = s; t <= e; t++) cover[t]!.push(z);
      }
    }
    for (let t = 1; t <= md.S; t++) {
      const xs = mine.filter((m) => md.allowed[m]!.includes(t)).map((m) => xVar(m, t));
      if (xs.length > 0 || cover[t]!.length > 0) cons.push(busyRow(p, t, xs, cover[t]!));
      if (cover[t]!.length > 1) cons.push(` one_${p}_${t}: ${cover[t]!.join(' + ')} <= 1`);
    }
  }
  commonRows(md, md.allowed, cons, bins);
  const lp = lpText({
    sense: 'Minimize',
    objective: obj.join(' + ') || '0 y_dummy',
    rows: cons,
    bounds: obj.map((v) => ` 0 <= ${v} <= 1`),
    binaries: bins,
  });
  return { lp, offset };
}

/** Reads x out of a HiGHS solution; null if some meeting got no slot. */
function readSlots(md: Model, allowed: number[][], sol: LpResult): Int32Array | null {
  const slotOf = new Int32Array(md.a.length);
  for (let m = 0; m < md.a.length; m++)
    for (const t of allowed[m]!) if ((sol.Columns[xVar(m, t)]?.Primal ?? 0) > 0.5) slotOf[m] = t;
  return slotOf.every((t) => t > 0) ? slotOf : null;
}

function countBreaks(md: Model, slotOf: Int32Array): number {
  const busy = md.meetingsOf.map(() => new Int32Array(md.S + 1).fill(-1));
  for (let m = 0; m < md.a.length; m++) {
    busy[md.a[m]!]![slotOf[m]!] = m;
    busy[md.b[m]!]![slotOf[m]!] = m;
  }
  return busy.reduce((s, row) => s + rowBreaks(row), 0);
}

/**
 * Exact solve (HiGHS), in two stages. 1: the zero-break model; a solution is optimal (no
 * schedule has fewer than zero breaks), and infeasibility proves a bound of 1. 2: only when
 * stage 1 proved the bound of 1, the general model with the time left; it proves the optimum
 * if it finishes, otherwise gives its incumbent (if any) and the best bound known (the LP
 * relaxation's, at least 1). A pure function over plain data, so it can run in a worker
 * thread (HiGHS blocks the thread it runs on).
 */
export async function solveExact(inst: B2bInstance, timeLimitS = 60): Promise<SolveResult> {
  const t0 = performance.now();
  const md = buildModel(inst);
  // Loaded on first use (the one HiGHS instance the fair scheduler shares): the heuristic
  // alone never pays for the WebAssembly module.
  const { highs } = await import('./highs.ts');
  const done = (slotOf: Int32Array | null, bound: number, optimal: boolean): SolveResult => ({
    schedule: slotOf ? toSchedule(inst, slotOf) : {},
    breaks: slotOf ? countBreaks(md, slotOf) : Number.POSITIVE_INFINITY,
    bound,
    method: 'exact',
    optimal,
    ms: performance.now() - t0,
  });
  const zero = highs.solve(zeroBreakLp(md, md.allowed), {
    time_limit: timeLimitS,
    output_flag: false,
  });
  if (zero.Status === 'Optimal') {
    const slotOf = readSlots(md, md.allowed, zero);
    if (slotOf) return done(slotOf, 0, true);
  }
  if (zero.Status !== 'Infeasible') return done(null, 0, false);
  const left = timeLimitS - (performance.now() - t0) / 1000;
  if (left <= 1) return done(null, 1, false);
  const forbidden = inst.participants.map((p) => new Set(p.forbidden_slots));
  const { lp, offset } = generalLp(md, forbidden);
  const sol = highs.solve(lp, { time_limit: left, mip_rel_gap: 0, output_flag: false });
  const slotOf =
    sol.Status === 'Optimal' || sol.Status === 'Time limit reached'
      ? readSlots(md, md.allowed, sol)
      : null;
  if (sol.Status === 'Optimal' && slotOf) {
    return done(slotOf, Math.round(sol.ObjectiveValue) - offset, true);
  }
  let bound = 1;
  const relax = highs.solve(lp.replace(/\nBinary[\s\S]*End$/, '\nEnd'), {
    time_limit: Math.max(1, left),
    output_flag: false,
  });
  if (relax.Status === 'Optimal')
    bound = Math.max(bound, Math.ceil(relax.ObjectiveValue - 1e-6) - offset);
  return done(slotOf, bound, false);
}
