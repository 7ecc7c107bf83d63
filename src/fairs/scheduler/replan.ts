import { selectionBound } from './bound.ts';
import { staticReason } from './diagnose.ts';
import {
  FairModel,
  FairState,
  greedyFill,
  improveGaps,
  improveValue,
  priorityOrder,
  summarise,
  type FairInstance,
  type FairSchedule,
  type Meeting,
  type ScheduleOptions,
} from './fair.ts';

export interface FairDiff {
  moved: {
    candidate: number;
    from: { slot: number; table: number };
    to: { slot: number; table: number };
  }[];
  cancelled: { candidate: number; slot: number; table: number; reason: string }[];
  added: Meeting[];
}

/** Whether candidate c can stand at slot t, table k (0-based) in the current state. */
function fitsAt(st: FairState, c: number, t: number, k: number): boolean {
  const m = st.m;
  if (t < 0 || t >= m.S || k < 0 || k >= m.T) return false;
  if (!st.canPlace(c, t) || st.tableAt[t * m.T + k] !== -1) return false;
  const f = m.fixedOf[c]!;
  return f >= 0 ? f === k : m.reserved[t * m.T + k] === 0;
}

/**
 * Re-plans a published schedule after changes, changing as little as possible.
 *
 * The new instance carries the changes: the published candidates keep their indices (late ones
 * are appended), a cancelled meeting's pair is in `vetoed`, a cancelled participant has
 * `cancelled: true` or no available slot. Then:
 * 1. every published meeting that still fits where it is stays there and is locked;
 * 2. one that no longer fits because of its own participants (availability, fixed table) moves
 *    to another slot where both are free, if any; vetoed pairs, cancelled participants, lowered
 *    caps (lowest-valued meetings first) and meetings with no place left are cancelled;
 * 3. the freed places are filled from the candidates not published (old and late), best first,
 *    with the value and idle-gap searches touching only these additions.
 * So a published meeting whose participants did not change never moves.
 */
export function replanFair(
  inst: FairInstance,
  published: Meeting[],
  opts: ScheduleOptions = {},
): { schedule: FairSchedule; diff: FairDiff } {
  const t0 = performance.now();
  const budget = opts.timeLimitMs ?? 1000;
  const m = new FairModel(inst);
  const st = new FairState(m);
  const diff: FairDiff = { moved: [], cancelled: [], added: [] };
  const pub = new Map<number, Meeting>();
  for (const mt of published) if (inst.candidates[mt.candidate]) pub.set(mt.candidate, mt);
  // Musts and higher values claim their places and the caps first.
  const order = [...pub.keys()].sort((x, y) => m.weight[y]! - m.weight[x]! || x - y);
  const retry: number[] = [];
  for (const c of order) {
    const mt = pub.get(c)!;
    const s = staticReason(m, c);
    if (s) {
      diff.cancelled.push({ ...mt, reason: `${s.reason}: ${s.detail}` });
      continue;
    }
    const { a, b } = inst.candidates[c]!;
    const full = st.held[a]! >= st.cap(a) ? a : st.held[b]! >= st.cap(b) ? b : -1;
    if (full >= 0) {
      const p = inst.participants[full]!;
      diff.cancelled.push({
        ...mt,
        reason: `cap_reduced: ${p.id} now holds at most ${p.maxMeetings} meetings`,
      });
      continue;
    }
    if (fitsAt(st, c, mt.slot - 1, mt.table - 1)) {
      st.place(c, mt.slot - 1, mt.table - 1);
      st.locked[c] = 1;
    } else retry.push(c);
  }
  for (const c of retry) {
    const mt = pub.get(c)!;
    const t = st.bestSlot(c);
    if (t < 0) {
      diff.cancelled.push({
        ...mt,
        reason: 'no_longer_fits: no slot where both attend and are free with a table',
      });
      continue;
    }
    st.place(c, t);
    st.locked[c] = 1;
    diff.moved.push({
      candidate: c,
      from: { slot: mt.slot, table: mt.table },
      to: { slot: t + 1, table: st.tableOf[c]! + 1 },
    });
  }
  const fresh = [...inst.candidates.keys()].filter((c) => !pub.has(c));
  greedyFill(st, priorityOrder(m, fresh));
  improveValue(st, t0 + budget * 0.5, fresh);
  improveGaps(st, t0 + budget * 0.8);
  for (const c of fresh)
    if (st.slotOf[c]! >= 0)
      diff.added.push({ candidate: c, slot: st.slotOf[c]! + 1, table: st.tableOf[c]! + 1 });
  diff.added.sort((x, y) => x.slot - y.slot || x.table - y.table);
  const bound = selectionBound(m, Math.max(0, t0 + budget - performance.now()));
  return { schedule: summarise(st, bound, 'greedy', false, t0), diff };
}
