import type { B2bInstance, B2bSchedule } from './b2b.ts';

/** What the checker found: every violated hard rule, and the breaks per participant. */
export interface CheckReport {
  valid: boolean;
  violations: string[];
  totalBreaks: number;
  breaks: Map<number, number>;
}

/**
 * Independent checker of a b2b schedule: it shares no code with the solvers (it reads the
 * instance's own fields), so a solver bug cannot hide behind a shared helper. Rules: every
 * meeting in a slot 1..slots, its session, its fixed slot, precedences, tables per slot, one
 * meeting per participant per slot, forbidden slots. A break is a run of empty slots between
 * two of a participant's meetings.
 */
export function checkB2b(inst: B2bInstance, schedule: B2bSchedule): CheckReport {
  const v: string[] = [];
  const slot = new Map<number, number>();
  for (const m of inst.meetings) {
    const t = schedule[m.id];
    if (t === undefined || !Number.isInteger(t) || t < 1 || t > inst.slots) {
      v.push(`meeting ${m.id}: not scheduled in a valid slot`);
      continue;
    }
    slot.set(m.id, t);
    if (
      inst.sessions &&
      m.session === 'am' &&
      !(t >= inst.sessions.am[0] && t <= inst.sessions.am[1])
    )
      v.push(`meeting ${m.id}: outside the morning`);
    if (
      inst.sessions &&
      m.session === 'pm' &&
      !(t >= inst.sessions.pm[0] && t <= inst.sessions.pm[1])
    )
      v.push(`meeting ${m.id}: outside the afternoon`);
    if (m.fixed_slot !== null && t !== m.fixed_slot)
      v.push(`meeting ${m.id}: not in its fixed slot ${m.fixed_slot}`);
  }
  for (const m of inst.meetings) {
    for (const q of m.after) {
      const tq = slot.get(q);
      const tm = slot.get(m.id);
      if (tq !== undefined && tm !== undefined && tq >= tm)
        v.push(`meeting ${q} must come before meeting ${m.id}`);
    }
  }
  const perSlot = new Map<number, number>();
  for (const t of slot.values()) perSlot.set(t, (perSlot.get(t) ?? 0) + 1);
  for (const [t, n] of perSlot)
    if (n > inst.tables) v.push(`slot ${t}: ${n} meetings for ${inst.tables} tables`);
  const breaks = new Map<number, number>();
  for (const p of inst.participants) {
    const mine = inst.meetings.filter((m) => m.a === p.id || m.b === p.id);
    const ts = mine
      .map((m) => slot.get(m.id))
      .filter((t): t is number => t !== undefined)
      .sort((x, y) => x - y);
    for (let i = 1; i < ts.length; i++)
      if (ts[i] === ts[i - 1]) v.push(`participant ${p.id}: two meetings in slot ${ts[i]}`);
    for (const t of ts)
      if (p.forbidden_slots.includes(t))
        v.push(`participant ${p.id}: meeting in forbidden slot ${t}`);
    let b = 0;
    for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! > 1) b++;
    breaks.set(p.id, b);
  }
  let totalBreaks = 0;
  for (const b of breaks.values()) totalBreaks += b;
  return { valid: v.length === 0, violations: v, totalBreaks, breaks };
}
