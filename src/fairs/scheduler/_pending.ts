/**
 * TEMPORARY stand-ins for `replan.ts` and `diagnose.ts` (owned by the scheduler branch), coded
 * against the shared contract so the fair API works before they land. Deleted at merge: import
 * sites switch to `./replan.ts` and `./diagnose.ts`. Nothing else re-exports this file.
 */
import {
  idleGaps,
  scheduleFair,
  type FairInstance,
  type FairSchedule,
  type Meeting,
} from './fair.ts';

export interface ScheduleOptions {
  timeLimitMs?: number;
  exact?: 'auto' | 'never' | 'always';
  seed?: number;
}

export interface FairDiff {
  moved: {
    candidate: number;
    from: { slot: number; table: number };
    to: { slot: number; table: number };
  }[];
  cancelled: { candidate: number; slot: number; table: number; reason: string }[];
  added: Meeting[];
}

export type UnscheduledReason =
  | 'vetoed'
  | 'self'
  | 'participant_cancelled'
  | 'no_common_free_slot'
  | 'cap_reached'
  | 'tables_full'
  | 'lower_value';

const key = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

function isCancelled(p: FairInstance['participants'][number]): boolean {
  return (p as { cancelled?: boolean }).cancelled === true || !p.available.some(Boolean);
}

function sessionIndex(inst: FairInstance): Int32Array {
  const s = new Int32Array(inst.slots).fill(-1);
  inst.sessions.forEach(([a, b], i) => {
    for (let t = a; t <= b; t++) s[t - 1] = i;
  });
  return s;
}

/** Occupancy of slots, tables and participants, shared by re-planning and diagnosis. */
class Board {
  readonly busy: Uint8Array[];
  readonly held: Int32Array;
  readonly table: Uint8Array[];
  /** Tables of fixed hosts: other pairs leave them free. */
  private readonly reserved: Set<number | undefined>;
  constructor(private readonly inst: FairInstance) {
    this.reserved = new Set(inst.participants.map((p) => p.fixedTable));
    this.busy = inst.participants.map(() => new Uint8Array(inst.slots));
    this.held = new Int32Array(inst.participants.length);
    this.table = Array.from({ length: inst.slots }, () => new Uint8Array(inst.tables));
  }
  /** The table this pair could use in slot t (1-based), or -1. */
  tableFor(a: number, b: number, t: number): number {
    const pa = this.inst.participants[a]!;
    const pb = this.inst.participants[b]!;
    if (
      pa.fixedTable !== undefined &&
      pb.fixedTable !== undefined &&
      pa.fixedTable !== pb.fixedTable
    )
      return -1;
    const fixed = pa.fixedTable ?? pb.fixedTable;
    const row = this.table[t - 1]!;
    if (fixed !== undefined) return row[fixed] ? -1 : fixed + 1;
    for (let k = 0; k < this.inst.tables; k++) if (!row[k] && !this.reserved.has(k)) return k + 1;
    return -1;
  }
  fits(a: number, b: number, t: number, k: number): boolean {
    const pa = this.inst.participants[a]!;
    const pb = this.inst.participants[b]!;
    if (t < 1 || t > this.inst.slots || k < 1 || k > this.inst.tables) return false;
    if (!pa.available[t - 1] || !pb.available[t - 1]) return false;
    if (this.busy[a]![t - 1] || this.busy[b]![t - 1] || this.table[t - 1]![k - 1]) return false;
    if (pa.fixedTable !== undefined && pa.fixedTable + 1 !== k) return false;
    if (pb.fixedTable !== undefined && pb.fixedTable + 1 !== k) return false;
    return this.held[a]! < pa.maxMeetings && this.held[b]! < pb.maxMeetings;
  }
  place(a: number, b: number, t: number, k: number): void {
    this.busy[a]![t - 1] = 1;
    this.busy[b]![t - 1] = 1;
    this.table[t - 1]![k - 1] = 1;
    this.held[a]!++;
    this.held[b]!++;
  }
}

function eligible(inst: FairInstance, veto: Set<string>, ci: number): boolean {
  const c = inst.candidates[ci]!;
  if (c.a === c.b || veto.has(key(c.a, c.b))) return false;
  return !isCancelled(inst.participants[c.a]!) && !isCancelled(inst.participants[c.b]!);
}

/**
 * Keeps every published meeting that is still feasible where it is, cancels the others, then
 * fills free places with unscheduled candidates (musts first, then by value). Moves nothing.
 */
export function replanFair(
  inst: FairInstance,
  published: Meeting[],
  opts: ScheduleOptions = {},
): { schedule: FairSchedule; diff: FairDiff } {
  const t0 = performance.now();
  const veto = new Set((inst.vetoed ?? []).map(([a, b]) => key(a, b)));
  const board = new Board(inst);
  const kept: Meeting[] = [];
  const diff: FairDiff = { moved: [], cancelled: [], added: [] };
  const held = new Set<number>();
  for (const m of published) {
    const c = inst.candidates[m.candidate];
    let reason: string | undefined;
    if (!c) reason = 'unknown candidate';
    else if (veto.has(key(c.a, c.b))) reason = 'meeting cancelled';
    else if (isCancelled(inst.participants[c.a]!) || isCancelled(inst.participants[c.b]!))
      reason = 'participant cancelled';
    else if (held.has(m.candidate) || !board.fits(c.a, c.b, m.slot, m.table))
      reason = 'no longer feasible';
    if (reason || !c) {
      diff.cancelled.push({ ...m, reason: reason ?? 'unknown candidate' });
      continue;
    }
    board.place(c.a, c.b, m.slot, m.table);
    held.add(m.candidate);
    kept.push({ ...m });
  }
  const order = [...inst.candidates.keys()]
    .filter((ci) => !held.has(ci) && eligible(inst, veto, ci))
    .sort((x, y) => {
      const cx = inst.candidates[x]!;
      const cy = inst.candidates[y]!;
      return Number(cy.must ?? false) - Number(cx.must ?? false) || cy.value - cx.value;
    });
  for (const ci of order) {
    const c = inst.candidates[ci]!;
    for (let t = 1; t <= inst.slots; t++) {
      const k = board.tableFor(c.a, c.b, t);
      if (k < 0 || !board.fits(c.a, c.b, t, k)) continue;
      board.place(c.a, c.b, t, k);
      const m = { candidate: ci, slot: t, table: k };
      kept.push(m);
      diff.added.push({ ...m });
      break;
    }
  }
  const session = sessionIndex(inst);
  const value = kept.reduce((s, m) => s + inst.candidates[m.candidate]!.value, 0);
  const gaps = board.busy.reduce((s, row) => s + idleGaps(row, session), 0);
  // The bound of a fresh schedule of the same instance (its improvement phase skipped).
  const bound = scheduleFair(
    {
      ...inst,
      participants: inst.participants.map((p) =>
        isCancelled(p) ? { ...p, available: p.available.map(() => false) } : p,
      ),
    },
    0,
  ).valueBound;
  void opts;
  return {
    schedule: {
      meetings: kept,
      value,
      idleGaps: gaps,
      valueBound: Math.max(bound, value),
      ms: performance.now() - t0,
    },
    diff,
  };
}

/** Why each candidate without a meeting has none: the first rule it breaks, in this order. */
export function explainUnscheduled(
  inst: FairInstance,
  meetings: Meeting[],
): { candidate: number; reason: UnscheduledReason; detail: string }[] {
  const veto = new Set((inst.vetoed ?? []).map(([a, b]) => key(a, b)));
  const board = new Board(inst);
  const held = new Set<number>();
  for (const m of meetings) {
    const c = inst.candidates[m.candidate];
    if (!c) continue;
    board.place(c.a, c.b, m.slot, m.table);
    held.add(m.candidate);
  }
  const out: { candidate: number; reason: UnscheduledReason; detail: string }[] = [];
  inst.candidates.forEach((c, ci) => {
    if (held.has(ci)) return;
    const pa = inst.participants[c.a]!;
    const pb = inst.participants[c.b]!;
    const push = (reason: UnscheduledReason, detail: string) =>
      out.push({ candidate: ci, reason, detail });
    if (c.a === c.b) return push('self', 'a participant cannot meet themself');
    if (veto.has(key(c.a, c.b)))
      return push('vetoed', 'the pair is vetoed or its meeting was cancelled');
    for (const p of [pa, pb])
      if (isCancelled(p)) return push('participant_cancelled', `participant ${p.id} is cancelled`);
    const common: number[] = [];
    for (let t = 1; t <= inst.slots; t++)
      if (pa.available[t - 1] && pb.available[t - 1]) common.push(t);
    if (common.length === 0)
      return push('no_common_free_slot', 'the two are never available at the same time');
    for (const [i, p] of [
      [c.a, pa],
      [c.b, pb],
    ] as const)
      if (board.held[i]! >= p.maxMeetings)
        return push('cap_reached', `participant ${p.id} already has ${p.maxMeetings} meetings`);
    const free = common.filter((t) => !board.busy[c.a]![t - 1] && !board.busy[c.b]![t - 1]);
    if (free.length === 0)
      return push(
        'no_common_free_slot',
        'every slot both are available in is taken by another of their meetings',
      );
    if (free.every((t) => board.tableFor(c.a, c.b, t) < 0))
      return push('tables_full', `no table free in any of the ${free.length} slots both are free`);
    push('lower_value', 'it fits, but the scheduler preferred meetings of higher value');
  });
  return out;
}
