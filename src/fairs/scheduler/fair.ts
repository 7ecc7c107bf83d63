/**
 * The general fair problem: which of the candidate meetings to hold, in which slot, at which
 * table. Participants have availability per slot, a cap on meetings, and may host at a fixed
 * table; tables are shared per slot; vetoed and self pairs never meet.
 *
 * Fixed tables: a participant with `fixedTable` k (0-based; meeting tables are 1-based) holds
 * every meeting at table k+1, and table k+1 is reserved for its host(s) in every slot where a
 * host of it is available and not cancelled, whether or not they meet then (a booth stays the
 * host's). In slots where no host of k is available, table k+1 is an ordinary table. Two hosts
 * at different fixed tables cannot meet.
 *
 * Priorities, lexicographic: `must` candidates, then nobody without a meeting when one is
 * feasible for them, then total value; then fewer idle gaps.
 */
import { exactSchedule } from './exact.ts';
import { selectionBound } from './bound.ts';

export interface FairParticipant {
  id: string;
  available: boolean[];
  maxMeetings: number;
  fixedTable?: number;
  /** A cancelled participant meets nobody (same as all-false availability). */
  cancelled?: boolean;
}

export interface FairCandidate {
  a: number;
  b: number;
  value: number;
  must?: boolean;
}

export interface FairInstance {
  slots: number;
  /** Inclusive slot ranges of the sessions (idle gaps count inside a session only). */
  sessions: [number, number][];
  tables: number;
  participants: FairParticipant[];
  /** Candidate pairs (participant indices) with the value of holding them. */
  candidates: FairCandidate[];
  vetoed?: [number, number][];
}

export interface Meeting {
  candidate: number;
  slot: number;
  table: number;
}

export interface ScheduleOptions {
  /** Budget of the whole call, ms (default 2000). */
  timeLimitMs?: number;
  /** `auto`: the exact HiGHS model when the instance is small enough; `never`; `always`. */
  exact?: 'auto' | 'never' | 'always';
  seed?: number;
}

export interface FairSchedule {
  meetings: Meeting[];
  value: number;
  idleGaps: number;
  /** A proven upper bound on the value of any feasible schedule. */
  valueBound: number;
  /** Relative gap to the bound: 1 - value / valueBound (0 when the bound is 0). */
  gap: number;
  method: 'greedy' | 'exact';
  /** The exact model proved the selection optimal (musts, then coverage, then value). */
  optimal: boolean;
  /** Participants without a meeting although some candidate of theirs was feasible. */
  withoutMeeting: number;
  ms: number;
}

/** Weight that makes a `must` candidate outrank any amount of ordinary value. */
export function mustWeight(inst: FairInstance): number {
  let s = 0;
  for (const c of inst.candidates) s += Math.max(0, c.value);
  return 4 * (s + 1);
}

export function sessionOf(inst: FairInstance): Int32Array {
  const s = new Int32Array(inst.slots).fill(-1);
  inst.sessions.forEach(([a, b], i) => {
    for (let t = a; t <= b; t++) if (t >= 1 && t <= inst.slots) s[t - 1] = i;
  });
  return s;
}

/** Idle gaps of one participant: empty slots between two meetings in the same session. */
export function idleGaps(busy: Uint8Array, session: Int32Array): number {
  let gaps = 0;
  let last = -1;
  for (let t = 0; t < busy.length; t++) {
    if (!busy[t]) continue;
    if (last >= 0 && t - last > 1 && session[t] === session[last]) gaps++;
    last = t;
  }
  return gaps;
}

export const pairKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** Static facts about an instance that every phase needs. */
export class FairModel {
  readonly S: number;
  readonly T: number;
  readonly P: number;
  readonly session: Int32Array;
  /** avail[p*S+t]: participant p can meet in slot t (0-based), not cancelled. */
  readonly avail: Uint8Array;
  /** reserved[t*T+k]: table k belongs to an available fixed host in slot t. */
  readonly reserved: Uint8Array;
  /** Number of ordinary (unreserved) tables per slot. */
  readonly general: Int32Array;
  /** Fixed table of the candidate's meeting, -1 for an ordinary table, -2 when impossible. */
  readonly fixedOf: Int32Array;
  /** Candidate may be held at all: not self, not vetoed, nobody cancelled, tables compatible. */
  readonly allowed: Uint8Array;
  readonly weight: Float64Array;
  readonly byParticipant: number[][];

  constructor(readonly inst: FairInstance) {
    const S = (this.S = inst.slots);
    const T = (this.T = inst.tables);
    const P = (this.P = inst.participants.length);
    this.session = sessionOf(inst);
    this.avail = new Uint8Array(P * S);
    inst.participants.forEach((p, i) => {
      if (p.cancelled) return;
      for (let t = 0; t < S; t++) if (p.available[t]) this.avail[i * S + t] = 1;
    });
    this.reserved = new Uint8Array(S * T);
    inst.participants.forEach((p, i) => {
      const k = p.fixedTable;
      if (k === undefined || k < 0 || k >= T) return;
      for (let t = 0; t < S; t++) if (this.avail[i * S + t]) this.reserved[t * T + k] = 1;
    });
    this.general = new Int32Array(S);
    for (let t = 0; t < S; t++) {
      let g = 0;
      for (let k = 0; k < T; k++) if (!this.reserved[t * T + k]) g++;
      this.general[t] = g;
    }
    const veto = new Set((inst.vetoed ?? []).map(([a, b]) => pairKey(a, b)));
    const C = inst.candidates.length;
    this.fixedOf = new Int32Array(C);
    this.allowed = new Uint8Array(C);
    this.weight = new Float64Array(C);
    this.byParticipant = Array.from({ length: P }, () => []);
    const big = mustWeight(inst);
    inst.candidates.forEach((c, i) => {
      this.weight[i] = c.value + (c.must ? big : 0);
      const pa = inst.participants[c.a];
      const pb = inst.participants[c.b];
      if (!pa || !pb) {
        this.fixedOf[i] = -2;
        return;
      }
      const fa = pa.fixedTable;
      const fb = pb.fixedTable;
      this.fixedOf[i] = fa !== undefined && fb !== undefined && fa !== fb ? -2 : (fa ?? fb ?? -1);
      if (this.fixedOf[i] >= T) this.fixedOf[i] = -2;
      const ok = c.a !== c.b && !veto.has(pairKey(c.a, c.b)) && !pa.cancelled && !pb.cancelled;
      if (ok && this.fixedOf[i] !== -2) this.allowed[i] = 1;
      this.byParticipant[c.a]!.push(i);
      if (c.b !== c.a) this.byParticipant[c.b]!.push(i);
    });
  }

  /** Both sides available in slot t. */
  commonSlot(c: number, t: number): boolean {
    const { a, b } = this.inst.candidates[c]!;
    return this.avail[a * this.S + t] === 1 && this.avail[b * this.S + t] === 1;
  }

  /** Candidate can be held somewhere in an empty schedule. */
  feasibleAlone(c: number): boolean {
    if (!this.allowed[c]) return false;
    const f = this.fixedOf[c]!;
    for (let t = 0; t < this.S; t++) {
      if (!this.commonSlot(c, t)) continue;
      if (f >= 0 || this.general[t]! > 0) return true;
    }
    return false;
  }
}

/** Mutable schedule state: who is busy when, which tables are taken, meetings by id. */
export class FairState {
  readonly partAt: Int32Array;
  readonly tableAt: Int32Array;
  readonly held: Int32Array;
  readonly generalFree: Int32Array;
  /** Meeting slot/table by candidate; -1 when the candidate is not held. */
  readonly slotOf: Int32Array;
  readonly tableOf: Int32Array;
  readonly locked: Uint8Array;
  value = 0;

  constructor(readonly m: FairModel) {
    this.partAt = new Int32Array(m.P * m.S).fill(-1);
    this.tableAt = new Int32Array(m.S * m.T).fill(-1);
    this.held = new Int32Array(m.P);
    this.generalFree = Int32Array.from(m.general);
    const C = m.inst.candidates.length;
    this.slotOf = new Int32Array(C).fill(-1);
    this.tableOf = new Int32Array(C).fill(-1);
    this.locked = new Uint8Array(C);
  }

  cap(p: number): number {
    return this.m.inst.participants[p]!.maxMeetings;
  }

  /** A table for candidate c in slot t (0-based), or -1. Ignores the participants. */
  tableFor(c: number, t: number): number {
    const { T } = this.m;
    const f = this.m.fixedOf[c]!;
    if (f === -2) return -1;
    if (f >= 0) return this.tableAt[t * T + f] === -1 ? f : -1;
    if (this.generalFree[t]! <= 0) return -1;
    for (let k = 0; k < T; k++)
      if (this.tableAt[t * T + k] === -1 && !this.m.reserved[t * T + k]) return k;
    return -1;
  }

  /** Table check without the scan (for evaluating many slots). */
  tableOk(c: number, t: number): boolean {
    const f = this.m.fixedOf[c]!;
    if (f === -2) return false;
    if (f >= 0) return this.tableAt[t * this.m.T + f] === -1;
    return this.generalFree[t]! > 0;
  }

  /** Participants free and available in t, caps left, a table free. */
  canPlace(c: number, t: number): boolean {
    const { a, b } = this.m.inst.candidates[c]!;
    const S = this.m.S;
    return (
      this.m.allowed[c] === 1 &&
      this.slotOf[c] === -1 &&
      this.m.commonSlot(c, t) &&
      this.partAt[a * S + t] === -1 &&
      this.partAt[b * S + t] === -1 &&
      this.held[a]! < this.cap(a) &&
      this.held[b]! < this.cap(b) &&
      this.tableOk(c, t)
    );
  }

  place(c: number, t: number, k = this.tableFor(c, t)): void {
    const { a, b, value } = this.m.inst.candidates[c]!;
    const { S, T } = this.m;
    this.partAt[a * S + t] = c;
    this.partAt[b * S + t] = c;
    this.held[a]!++;
    this.held[b]!++;
    this.tableAt[t * T + k] = c;
    if (!this.m.reserved[t * T + k]) this.generalFree[t]!--;
    this.slotOf[c] = t;
    this.tableOf[c] = k;
    this.value += value;
  }

  remove(c: number): void {
    const { a, b, value } = this.m.inst.candidates[c]!;
    const { S, T } = this.m;
    const t = this.slotOf[c]!;
    const k = this.tableOf[c]!;
    this.partAt[a * S + t] = -1;
    this.partAt[b * S + t] = -1;
    this.held[a]!--;
    this.held[b]!--;
    this.tableAt[t * T + k] = -1;
    if (!this.m.reserved[t * T + k]) this.generalFree[t]!++;
    this.slotOf[c] = -1;
    this.tableOf[c] = -1;
    this.value -= value;
  }

  /** Change in p's idle gaps if p were also busy in slot t. */
  gapDelta(p: number, t: number): number {
    const { S, session } = this.m;
    const row = p * S;
    let l = t - 1;
    while (l >= 0 && this.partAt[row + l] === -1) l--;
    let r = t + 1;
    while (r < S && this.partAt[row + r] === -1) r++;
    const sl = l >= 0 && session[l] === session[t];
    const sr = r < S && session[r] === session[t];
    const before = sl && sr ? 1 : 0;
    return (sl && t - l > 1 ? 1 : 0) + (sr && r - t > 1 ? 1 : 0) - before;
  }

  /** Best slot for c by added idle gaps, then slot load; -1 when none fits. */
  bestSlot(c: number): number {
    const { a, b } = this.m.inst.candidates[c]!;
    let best = -1;
    let bestCost = Infinity;
    for (let t = 0; t < this.m.S; t++) {
      if (!this.canPlace(c, t)) continue;
      const load = 1 - this.generalFree[t]! / (this.m.general[t]! + 1);
      const cost = this.gapDelta(a, t) + this.gapDelta(b, t) + load * 0.5;
      if (cost < bestCost) {
        bestCost = cost;
        best = t;
      }
    }
    return best;
  }

  meetings(): Meeting[] {
    const out: Meeting[] = [];
    for (let c = 0; c < this.slotOf.length; c++)
      if (this.slotOf[c]! >= 0)
        out.push({ candidate: c, slot: this.slotOf[c]! + 1, table: this.tableOf[c]! + 1 });
    return out.sort((x, y) => x.slot - y.slot || x.table - y.table);
  }

  totalGaps(): number {
    const { S, P } = this.m;
    let g = 0;
    const row = new Uint8Array(S);
    for (let p = 0; p < P; p++) {
      for (let t = 0; t < S; t++) row[t] = this.partAt[p * S + t] === -1 ? 0 : 1;
      g += idleGaps(row, this.m.session);
    }
    return g;
  }
}

/** Candidates in priority order: musts first, then by value. */
export function priorityOrder(m: FairModel, subset?: number[]): number[] {
  const ids = subset ?? [...m.inst.candidates.keys()];
  return ids.filter((c) => m.allowed[c]).sort((x, y) => m.weight[y]! - m.weight[x]!);
}

/** Greedy insertion of `order` into the state, each at its best slot. */
export function greedyFill(st: FairState, order: number[]): void {
  for (const c of order) {
    if (st.slotOf[c] !== -1) continue;
    const t = st.bestSlot(c);
    if (t >= 0) st.place(c, t);
  }
}

/**
 * Participants with no meeting who have a candidate feasible in an empty schedule: the ones the
 * fairness rule is about.
 */
export function uncovered(st: FairState): number[] {
  const out: number[] = [];
  for (let p = 0; p < st.m.P; p++) {
    if (st.held[p]! > 0 || st.cap(p) <= 0) continue;
    if (st.m.byParticipant[p]!.some((c) => st.m.feasibleAlone(c))) out.push(p);
  }
  return out;
}

/**
 * Local search within the deadline. A move inserts an unheld candidate in slot t after removing
 * the (unlocked) meetings that block it there: its participants' meetings in t, one more
 * meeting of a side at its cap, one meeting holding the needed table. It is taken when the
 * gain (weight, plus a coverage bonus for a participant's first meeting) beats the loss.
 * Evicted candidates are re-inserted elsewhere when they fit.
 */
export function improveValue(st: FairState, deadline: number, subset?: number[]): void {
  const m = st.m;
  const cover = mustWeight(m.inst) / 2; // coverage ranks above value, below musts
  const order = priorityOrder(m, subset);
  const { S, T } = m;
  const lossOf = (removed: number[], a: number, b: number): number => {
    let loss = 0;
    const lost = new Map<number, number>();
    for (const r of removed) {
      loss += m.weight[r]!;
      const { a, b } = m.inst.candidates[r]!;
      lost.set(a, (lost.get(a) ?? 0) + 1);
      lost.set(b, (lost.get(b) ?? 0) + 1);
    }
    for (const [p, n] of lost) if (p !== a && p !== b && st.held[p]! - n <= 0) loss += cover;
    return loss;
  };
  const cheapestOf = (p: number, skip: Set<number>): number => {
    let best = -1;
    for (let t = 0; t < S; t++) {
      const c = st.partAt[p * S + t]!;
      if (c < 0 || skip.has(c) || st.locked[c]) continue;
      if (best < 0 || m.weight[c]! < m.weight[best]!) best = c;
    }
    return best;
  };
  let improved = true;
  let checks = 0;
  while (improved) {
    improved = false;
    for (const c of order) {
      if (st.slotOf[c] !== -1) continue;
      if ((++checks & 255) === 0 && performance.now() > deadline) return;
      const { a, b } = m.inst.candidates[c]!;
      const gain = m.weight[c]! + (st.held[a] === 0 ? cover : 0) + (st.held[b] === 0 ? cover : 0);
      let bestT = -1;
      let bestRemoved: number[] = [];
      let bestNet = 1e-9;
      for (let t = 0; t < S; t++) {
        if (!m.commonSlot(c, t)) continue;
        const removed = new Set<number>();
        let blocked = false;
        for (const p of [a, b]) {
          const o = st.partAt[p * S + t]!;
          if (o >= 0) {
            if (st.locked[o]) blocked = true;
            removed.add(o);
          }
        }
        if (blocked) continue;
        for (const p of [a, b]) {
          let mine = 0;
          for (const r of removed) {
            const rc = m.inst.candidates[r]!;
            if (rc.a === p || rc.b === p) mine++;
          }
          if (st.held[p]! - mine >= st.cap(p)) {
            const x = cheapestOf(p, removed);
            if (x < 0) blocked = true;
            else removed.add(x);
          }
        }
        if (blocked) continue;
        const f = m.fixedOf[c]!;
        let freesTable = false;
        for (const r of removed)
          if (st.slotOf[r] === t && (f >= 0 ? st.tableOf[r] === f : m.fixedOf[r] === -1))
            freesTable = true;
        if (!freesTable && !st.tableOk(c, t)) {
          let x = -1;
          if (f >= 0) x = st.tableAt[t * T + f]!;
          else
            for (let k = 0; k < T; k++) {
              const o = st.tableAt[t * T + k]!;
              if (o < 0 || m.reserved[t * T + k] || st.locked[o] || removed.has(o)) continue;
              if (x < 0 || m.weight[o]! < m.weight[x]!) x = o;
            }
          if (x < 0 || st.locked[x]) continue;
          removed.add(x);
        }
        const rem = [...removed];
        const net = gain - lossOf(rem, a, b);
        if (net > bestNet) {
          bestNet = net;
          bestT = t;
          bestRemoved = rem;
        }
      }
      if (bestT < 0) continue;
      for (const r of bestRemoved) st.remove(r);
      st.place(c, bestT);
      for (const r of bestRemoved) {
        const t = st.bestSlot(r);
        if (t >= 0) st.place(r, t);
      }
      improved = true;
    }
  }
}

/** Move unlocked meetings to other slots when that lowers their participants' idle gaps. */
export function improveGaps(st: FairState, deadline: number): void {
  const m = st.m;
  let improved = true;
  while (improved && performance.now() < deadline) {
    improved = false;
    for (let c = 0; c < st.slotOf.length; c++) {
      const from = st.slotOf[c]!;
      if (from < 0 || st.locked[c]) continue;
      if ((c & 127) === 0 && performance.now() > deadline) return;
      const { a, b } = m.inst.candidates[c]!;
      const k0 = st.tableOf[c]!;
      st.remove(c);
      const here = st.gapDelta(a, from) + st.gapDelta(b, from);
      let bestT = from;
      let bestCost = here;
      for (let t = 0; t < m.S; t++) {
        if (t === from || !st.canPlace(c, t)) continue;
        const g = st.gapDelta(a, t) + st.gapDelta(b, t);
        if (g < bestCost) {
          bestCost = g;
          bestT = t;
        }
      }
      if (bestT === from) st.place(c, from, k0);
      else {
        st.place(c, bestT);
        improved = true;
      }
    }
  }
}

/** The summary fields of a schedule from its final state. */
export function summarise(
  st: FairState,
  valueBound: number,
  method: FairSchedule['method'],
  optimal: boolean,
  t0: number,
): FairSchedule {
  const value = st.value;
  const bound = Math.max(valueBound, value);
  return {
    meetings: st.meetings(),
    value,
    idleGaps: st.totalGaps(),
    valueBound: bound,
    gap: bound > 0 ? Math.max(0, 1 - value / bound) : 0,
    method,
    optimal,
    withoutMeeting: uncovered(st).length,
    ms: performance.now() - t0,
  };
}

/** Variables of the exact model: (candidate, slot) pairs that can be held. */
export function exactSize(m: FairModel): number {
  let n = 0;
  for (let c = 0; c < m.inst.candidates.length; c++) {
    if (!m.allowed[c]) continue;
    for (let t = 0; t < m.S; t++) if (m.commonSlot(c, t)) n++;
  }
  return n;
}

/** Largest exact model tried under `exact: 'auto'`. */
export const EXACT_AUTO_MAX_VARS = 4000;

/**
 * Schedules a fair. Small instances (`exact: 'auto'`, at most EXACT_AUTO_MAX_VARS candidate ×
 * slot variables) go to the HiGHS model; otherwise greedy by priority (musts, value), then local
 * search for value and coverage, then for idle gaps, within `timeLimitMs`. The value bound is the
 * LP relaxation of the selection model (or a cheaper bound when that does not fit the budget).
 */
export function scheduleFair(inst: FairInstance, opts?: number | ScheduleOptions): FairSchedule {
  const t0 = performance.now();
  const o: ScheduleOptions = typeof opts === 'number' ? { timeLimitMs: opts } : (opts ?? {});
  const budget = o.timeLimitMs ?? 2000;
  const deadline = t0 + budget;
  const m = new FairModel(inst);
  const mode = o.exact ?? 'auto';
  if (mode === 'always' || (mode === 'auto' && exactSize(m) <= EXACT_AUTO_MAX_VARS)) {
    const ex = exactSchedule(m, Math.max(1000, budget * 0.8));
    if (ex) {
      improveGaps(ex.state, deadline);
      return summarise(ex.state, ex.bound, 'exact', ex.optimal, t0);
    }
  }
  const st = new FairState(m);
  greedyFill(st, priorityOrder(m));
  improveValue(st, t0 + budget * 0.5);
  const bound = selectionBound(m, Math.max(0, (deadline - performance.now()) * 0.5));
  improveGaps(st, deadline);
  return summarise(st, bound, 'greedy', false, t0);
}
