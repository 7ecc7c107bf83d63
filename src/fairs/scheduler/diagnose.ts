import { FairModel, FairState, pairKey, type FairInstance, type Meeting } from './fair.ts';

export type UnscheduledReason =
  | 'vetoed'
  | 'self'
  | 'participant_cancelled'
  | 'no_common_free_slot'
  | 'cap_reached'
  | 'tables_full'
  | 'lower_value';

export interface Unscheduled {
  candidate: number;
  reason: UnscheduledReason;
  detail: string;
}

/**
 * Why a candidate can never be held, whatever else is scheduled (null when it could be):
 * self, vetoed, a cancelled side (flag or no available slot), a cap of 0, two hosts at
 * different fixed tables or a fixed table out of range, no slot both attend, or only slots
 * whose tables are all reserved for fixed hosts.
 */
export function staticReason(
  m: FairModel,
  c: number,
): { reason: UnscheduledReason; detail: string } | null {
  const { inst, S } = m;
  const cand = inst.candidates[c]!;
  const pa = inst.participants[cand.a];
  const pb = inst.participants[cand.b];
  if (!pa || !pb) return { reason: 'participant_cancelled', detail: 'unknown participant' };
  if (cand.a === cand.b) return { reason: 'self', detail: `${pa.id} cannot meet themself` };
  const veto = new Set((inst.vetoed ?? []).map(([a, b]) => pairKey(a, b)));
  if (veto.has(pairKey(cand.a, cand.b)))
    return { reason: 'vetoed', detail: `${pa.id} and ${pb.id} are a vetoed pair` };
  for (const [i, p] of [
    [cand.a, pa],
    [cand.b, pb],
  ] as const) {
    let any = false;
    for (let t = 0; t < S; t++) if (m.avail[i * S + t]) any = true;
    if (!any)
      return {
        reason: 'participant_cancelled',
        detail: `${p.id} ${p.cancelled ? 'has cancelled' : 'is available in no slot'}`,
      };
    if (p.maxMeetings <= 0)
      return { reason: 'cap_reached', detail: `${p.id} has a cap of 0 meetings` };
  }
  if (m.fixedOf[c] === -2)
    return {
      reason: 'tables_full',
      detail: `${pa.id} and ${pb.id} cannot share a table (different fixed tables, or one out of range)`,
    };
  let common = false;
  for (let t = 0; t < S; t++) if (m.commonSlot(c, t)) common = true;
  if (!common)
    return {
      reason: 'no_common_free_slot',
      detail: `${pa.id} and ${pb.id} are never available in the same slot`,
    };
  if (!m.feasibleAlone(c))
    return {
      reason: 'tables_full',
      detail: 'in every slot both attend, all tables are reserved for fixed-table hosts',
    };
  return null;
}

/**
 * Why each candidate not in `meetings` is not held, one entry per such candidate, the first
 * reason that applies: the static ones of `staticReason`; then `cap_reached` (a side holds its
 * cap, all with meetings of at least this value or a `must`); `lower_value` when that cap is
 * held partly by meetings of lower value (kept for musts, fairness or fewer changes);
 * `tables_full` when both are free in some slot but no table they may use is; otherwise
 * `lower_value`: in every slot both attend one of them is in another meeting the scheduler
 * preferred (or, if it fits as the schedule stands, the detail says so).
 */
export function explainUnscheduled(inst: FairInstance, meetings: Meeting[]): Unscheduled[] {
  const m = new FairModel(inst);
  const st = new FairState(m);
  const { S, T } = m;
  for (const mt of meetings) {
    const c = mt.candidate;
    if (!inst.candidates[c] || st.slotOf[c] !== -1) continue;
    if (mt.slot < 1 || mt.slot > S || mt.table < 1 || mt.table > T) continue;
    st.place(c, mt.slot - 1, mt.table - 1);
  }
  const out: Unscheduled[] = [];
  inst.candidates.forEach((cand, c) => {
    if (st.slotOf[c] !== -1) return;
    const s = staticReason(m, c);
    if (s) {
      out.push({ candidate: c, ...s });
      return;
    }
    for (const p of [cand.a, cand.b]) {
      const part = inst.participants[p]!;
      if (st.held[p]! < part.maxMeetings) continue;
      let lowest = Infinity;
      for (let t = 0; t < S; t++) {
        const o = st.partAt[p * S + t]!;
        if (o >= 0) lowest = Math.min(lowest, inst.candidates[o]!.value);
      }
      if (lowest >= cand.value)
        out.push({
          candidate: c,
          reason: 'cap_reached',
          detail: `${part.id} already holds their cap of ${part.maxMeetings} meetings, each worth at least ${cand.value}`,
        });
      else
        out.push({
          candidate: c,
          reason: 'lower_value',
          detail: `${part.id} is at their cap of ${part.maxMeetings}; a meeting worth ${lowest} was kept instead`,
        });
      return;
    }
    const free: number[] = [];
    for (let t = 0; t < S; t++)
      if (
        m.commonSlot(c, t) &&
        st.partAt[cand.a * S + t] === -1 &&
        st.partAt[cand.b * S + t] === -1
      )
        free.push(t);
    if (free.length > 0) {
      const fits = free.find((t) => st.tableOk(c, t));
      out.push(
        fits === undefined
          ? {
              candidate: c,
              reason: 'tables_full',
              detail: `both are free in slot ${free.map((t) => t + 1).join(', ')} but every table they may use is taken`,
            }
          : {
              candidate: c,
              reason: 'lower_value',
              detail: `fits in slot ${fits + 1} as the schedule stands; the scheduler did not choose it`,
            },
      );
      return;
    }
    out.push({
      candidate: c,
      reason: 'lower_value',
      detail: `in every slot both attend, ${inst.participants[cand.a]!.id} or ${inst.participants[cand.b]!.id} is in a meeting the scheduler preferred`,
    });
  });
  return out;
}
