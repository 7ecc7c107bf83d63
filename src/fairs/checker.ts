import type { FairInstance, Meeting } from './scheduler/fair.ts';
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
 * meeting per participant per slot, forbidden slots, no meeting the instance does not have. A break is a run of empty slots between
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
  const known = new Set(inst.meetings.map((m) => m.id));
  for (const k of Object.keys(schedule))
    if (!known.has(Number(k))) v.push(`meeting ${k}: not in the instance`);
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

/**
 * Independent checker of a general fair schedule: slot and table in range, one meeting per
 * participant per slot, availability, one meeting per table per slot, fixed-table hosts at
 * their table and nobody else at a fixed host's table in a slot the host attends, caps, no
 * cancelled participant, no vetoed or self pairs, no candidate held twice.
 */
export function checkFair(inst: FairInstance, meetings: Meeting[]): string[] {
  const v: string[] = [];
  const seenCandidate = new Set<number>();
  const atSlot = new Set<string>();
  const tableAt = new Set<string>();
  const count = new Map<number, number>();
  const vetoed = new Set(
    (inst.vetoed ?? []).map(([a, b]) => `${Math.min(a, b)}:${Math.max(a, b)}`),
  );
  // Hosts by (1-based) table: the table is theirs in every slot where one of them attends.
  const hostsOf = new Map<number, number[]>();
  inst.participants.forEach((p, i) => {
    if (p.fixedTable === undefined) return;
    const l = hostsOf.get(p.fixedTable + 1) ?? [];
    l.push(i);
    hostsOf.set(p.fixedTable + 1, l);
  });
  for (const m of meetings) {
    const c = Number.isInteger(m.candidate) ? inst.candidates[m.candidate] : undefined;
    if (!c) {
      v.push(`meeting of unknown candidate ${m.candidate}`);
      continue;
    }
    if (seenCandidate.has(m.candidate)) v.push(`candidate ${m.candidate} held twice`);
    seenCandidate.add(m.candidate);
    if (!Number.isInteger(m.slot) || m.slot < 1 || m.slot > inst.slots)
      v.push(`candidate ${m.candidate}: slot ${m.slot} out of range`);
    if (!Number.isInteger(m.table) || m.table < 1 || m.table > inst.tables)
      v.push(`candidate ${m.candidate}: table ${m.table} out of range`);
    if (c.a === c.b) v.push(`candidate ${m.candidate}: a participant meets themself`);
    if (vetoed.has(`${Math.min(c.a, c.b)}:${Math.max(c.a, c.b)}`))
      v.push(`candidate ${m.candidate}: vetoed pair`);
    const tk = `${m.slot}:${m.table}`;
    if (tableAt.has(tk)) v.push(`slot ${m.slot} table ${m.table}: two meetings`);
    tableAt.add(tk);
    const hosts = hostsOf.get(m.table) ?? [];
    const owner = hosts.find(
      (h) => !inst.participants[h]!.cancelled && inst.participants[h]!.available[m.slot - 1],
    );
    if (owner !== undefined && !hosts.includes(c.a) && !hosts.includes(c.b))
      v.push(
        `candidate ${m.candidate}: at table ${m.table} in slot ${m.slot}, reserved for ${inst.participants[owner]!.id}`,
      );
    for (const p of new Set([c.a, c.b])) {
      const part = inst.participants[p];
      if (!part) {
        v.push(`candidate ${m.candidate}: unknown participant ${p}`);
        continue;
      }
      const k = `${p}:${m.slot}`;
      if (atSlot.has(k)) v.push(`participant ${part.id}: two meetings in slot ${m.slot}`);
      atSlot.add(k);
      if (part.cancelled) v.push(`participant ${part.id}: cancelled but in a meeting`);
      if (!part.available[m.slot - 1])
        v.push(`participant ${part.id}: unavailable in slot ${m.slot}`);
      if (part.fixedTable !== undefined && part.fixedTable + 1 !== m.table)
        v.push(`participant ${part.id}: not at fixed table`);
      count.set(p, (count.get(p) ?? 0) + 1);
    }
  }
  for (const [p, n] of count)
    if (n > inst.participants[p]!.maxMeetings)
      v.push(`participant ${inst.participants[p]!.id}: ${n} meetings over cap`);
  return v;
}
