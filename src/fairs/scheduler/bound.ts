import type { FairModel } from './fair.ts';
import { solveLp } from './highs.ts';
import { lpText } from './lp-text.ts';

/**
 * Cheap upper bounds on the value of any schedule: (1) every meeting's value split half to each
 * side, each participant counting their best `min(cap, slots available)` candidates; (2) the
 * best candidates that fit in all tables of all slots. Only candidates that could be held in an
 * empty schedule count.
 */
export function cheapBound(m: FairModel): number {
  const { S, T, P, inst } = m;
  const feasible = inst.candidates.map((_, c) => m.feasibleAlone(c));
  let half = 0;
  for (let p = 0; p < P; p++) {
    let slots = 0;
    for (let t = 0; t < S; t++) slots += m.avail[p * S + t]!;
    const k = Math.min(inst.participants[p]!.maxMeetings, slots);
    if (k <= 0) continue;
    const vs = m.byParticipant[p]!.filter((c) => feasible[c])
      .map((c) => Math.max(0, inst.candidates[c]!.value))
      .sort((x, y) => y - x);
    for (let i = 0; i < Math.min(k, vs.length); i++) half += vs[i]! / 2;
  }
  const all = inst.candidates
    .filter((_, c) => feasible[c])
    .map((c) => Math.max(0, c.value))
    .sort((x, y) => y - x);
  let tables = 0;
  for (let i = 0; i < Math.min(all.length, S * T); i++) tables += all[i]!;
  return Math.min(half, tables);
}

/**
 * Upper bound on the value: the LP relaxation of the selection model (each candidate held at
 * most once; per participant at most min(cap, available slots); ordinary meetings at most the
 * ordinary table-slots; a fixed table at most the slots it is reserved), given `budgetMs`.
 * Falls back to the cheap bound when HiGHS does not finish.
 */
/** Largest selection LP attempted (candidates that could be held). */
export const LP_MAX_VARS = 5_000;

export function selectionBound(m: FairModel, budgetMs: number): number {
  const cheap = cheapBound(m);
  const { S, T, P, inst } = m;
  const obj: string[] = [];
  const rows: string[] = [];
  const perP: string[][] = Array.from({ length: P }, () => []);
  const general: string[] = [];
  const perFixed = new Map<number, string[]>();
  inst.candidates.forEach((c, i) => {
    if (!m.feasibleAlone(i) || c.value <= 0) return;
    const y = `y${i}`;
    obj.push(`${c.value} ${y}`);
    perP[c.a]!.push(y);
    perP[c.b]!.push(y);
    const f = m.fixedOf[i]!;
    if (f === -1) general.push(y);
    else {
      const l = perFixed.get(f) ?? [];
      l.push(y);
      perFixed.set(f, l);
    }
  });
  if (obj.length === 0) return 0;
  // HiGHS (wasm) checks its time limit coarsely: measured 2.3–3.5 s for 5,000–10,000 candidates
  // on a shared machine and 7 s for 40,000 with a 1 s limit. Beyond this size the call would
  // overrun any interactive budget, so the cheap bound stands.
  if (obj.length > LP_MAX_VARS || budgetMs < 2500) return cheap;
  perP.forEach((ys, p) => {
    let slots = 0;
    for (let t = 0; t < S; t++) slots += m.avail[p * S + t]!;
    const cap = Math.min(inst.participants[p]!.maxMeetings, slots);
    if (ys.length > cap) rows.push(` p${p}: ${ys.join(' + ')} <= ${cap}`);
  });
  let g = 0;
  for (let t = 0; t < S; t++) g += m.general[t]!;
  if (general.length > g) rows.push(` g: ${general.join(' + ')} <= ${g}`);
  for (const [f, ys] of perFixed) {
    let n = 0;
    for (let t = 0; t < S; t++) n += m.reserved[t * T + f]!;
    if (ys.length > n) rows.push(` f${f}: ${ys.join(' + ')} <= ${n}`);
  }
  const vars = obj.map((o) => o.slice(o.indexOf(' ') + 1));
  const lp = lpText({
    sense: 'Maximize',
    objective: obj.join(' + '),
    rows: rows.length > 0 ? rows : [` none: ${vars[0]} <= 1`],
    bounds: vars.map((v) => ` 0 <= ${v} <= 1`),
  });
  const sol = solveLp(lp, { time_limit: budgetMs / 1000 });
  if (sol?.Status !== 'Optimal') return cheap;
  return Math.min(cheap, sol.ObjectiveValue + 1e-9);
}
