import { FairState, mustWeight, type FairModel } from './fair.ts';
import { selectionBound } from './bound.ts';
import { solveLp } from './highs.ts';
import { lpText } from './lp-text.ts';

export interface ExactResult {
  state: FairState;
  /** Upper bound on the value (LP of this model with value only, and the selection bound). */
  bound: number;
  optimal: boolean;
}

/**
 * The exact model over x[c,t] (candidate c held in slot t): each candidate at most once, one
 * meeting per participant per slot, caps, ordinary meetings per slot within the ordinary
 * tables, one meeting per fixed table per slot. Objective: musts (a weight above all value),
 * then coverage (z[p] <= meetings of p, z <= 1, weighted above value), then value. Tables are
 * assigned after: the constraints guarantee one exists. Returns null when HiGHS finds no
 * solution within `timeMs`.
 */
export function exactSchedule(m: FairModel, timeMs: number): ExactResult | null {
  const { S, inst } = m;
  const cover = mustWeight(inst) / 2;
  const vars: [number, number][] = [];
  const obj: string[] = [];
  const valueObj: string[] = [];
  const byCand = new Map<number, string[]>();
  const byPT = new Map<number, string[]>();
  const byP = new Map<number, string[]>();
  const general = new Map<number, string[]>();
  const fixed = new Map<string, string[]>();
  const push = <K>(map: Map<K, string[]>, k: K, v: string) => {
    const l = map.get(k);
    if (l) l.push(v);
    else map.set(k, [v]);
  };
  inst.candidates.forEach((c, i) => {
    if (!m.allowed[i]) return;
    const f = m.fixedOf[i]!;
    for (let t = 0; t < S; t++) {
      if (!m.commonSlot(i, t) || (f === -1 && m.general[t]! <= 0)) continue;
      const x = `x${vars.length}`;
      vars.push([i, t]);
      obj.push(`${m.weight[i]} ${x}`);
      valueObj.push(`${c.value} ${x}`);
      push(byCand, i, x);
      push(byPT, c.a * S + t, x);
      push(byPT, c.b * S + t, x);
      push(byP, c.a, x);
      push(byP, c.b, x);
      if (f === -1) push(general, t, x);
      else push(fixed, `${f}_${t}`, x);
    }
  });
  const rows: string[] = [];
  for (const [c, xs] of byCand) if (xs.length > 1) rows.push(` c${c}: ${xs.join(' + ')} <= 1`);
  for (const [k, xs] of byPT) if (xs.length > 1) rows.push(` pt${k}: ${xs.join(' + ')} <= 1`);
  for (const [p, xs] of byP) {
    const cap = inst.participants[p]!.maxMeetings;
    if (xs.length > cap) rows.push(` cap${p}: ${xs.join(' + ')} <= ${cap}`);
  }
  for (const [t, xs] of general)
    if (xs.length > m.general[t]!) rows.push(` g${t}: ${xs.join(' + ')} <= ${m.general[t]}`);
  for (const [k, xs] of fixed) if (xs.length > 1) rows.push(` f${k}: ${xs.join(' + ')} <= 1`);
  const relaxRows = [...rows];
  const zs: string[] = [];
  for (const [p, xs] of byP) {
    const z = `z${p}`;
    zs.push(z);
    obj.push(`${cover} ${z}`);
    rows.push(` cov${p}: ${z} - ${xs.join(' - ')} <= 0`);
  }
  const state = new (FairStateOf(m))(m);
  if (vars.length === 0) return { state, bound: 0, optimal: true };
  const names = vars.map((_, i) => `x${i}`);
  const model = (objective: string[], r: string[], extraBounds: string[], binary: boolean) =>
    lpText({
      sense: 'Maximize',
      objective: objective.join(' + '),
      rows: r.length > 0 ? r : [` none: ${names[0]} <= 1`],
      bounds: [...names.map((v) => ` 0 <= ${v} <= 1`), ...extraBounds],
      binaries: binary ? names : [],
    });
  const t0 = performance.now();
  const sol = solveLp(
    model(
      obj,
      rows,
      zs.map((z) => ` 0 <= ${z} <= 1`),
      true,
    ),
    { time_limit: timeMs / 1000, mip_rel_gap: 0 },
  );
  if (!sol || (sol.Status !== 'Optimal' && sol.Status !== 'Time limit reached')) return null;
  const chosen: [number, number][] = [];
  vars.forEach((v, i) => {
    if ((sol.Columns[`x${i}`]?.Primal ?? 0) > 0.5) chosen.push(v);
  });
  if (sol.Status !== 'Optimal' && chosen.length === 0) return null;
  // Fixed-table meetings first so an ordinary one never takes a table it could not give back.
  chosen.sort((x, y) => Number(m.fixedOf[y[0]] !== -1) - Number(m.fixedOf[x[0]] !== -1));
  for (const [c, t] of chosen) {
    if (!state.canPlace(c, t)) return null; // would be a model bug; let the heuristic run
    state.place(c, t);
  }
  const left = Math.max(50, timeMs - (performance.now() - t0));
  const relax = solveLp(model(valueObj, relaxRows, [], false), { time_limit: left / 1000 });
  let bound = selectionBound(m, left);
  if (relax?.Status === 'Optimal') bound = Math.min(bound, relax.ObjectiveValue + 1e-9);
  return { state, bound, optimal: sol.Status === 'Optimal' };
}

// FairState is imported as a value; this indirection keeps the import cycle (fair.ts imports
// this module) from being read before fair.ts has finished evaluating.
function FairStateOf(_m: FairModel): typeof FairState {
  return FairState;
}
