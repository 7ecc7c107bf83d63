import { describe, expect, it } from 'vitest';
import type { B2bInstance } from '../../src/fairs/b2b.ts';
import { checkB2b } from '../../src/fairs/checker.ts';
import { solveHeuristic } from '../../src/fairs/scheduler/b2b-solver.ts';

// A hand-made instance: 4 participants, 6 slots (am 1–3, pm 4–6), 2 tables.
const inst: B2bInstance = {
  format: 'b2b-instance/1',
  name: 'hand',
  slots: 6,
  tables: 2,
  sessions: { am: [1, 3], pm: [4, 6] },
  participants: [
    { id: 1, meetings: [1, 2, 3], forbidden_slots: [] },
    { id: 2, meetings: [1, 4], forbidden_slots: [2] },
    { id: 3, meetings: [2, 4, 5], forbidden_slots: [] },
    { id: 4, meetings: [3, 5], forbidden_slots: [] },
  ],
  meetings: [
    { id: 1, a: 1, b: 2, session: 'any', fixed_slot: null, after: [] },
    { id: 2, a: 1, b: 3, session: 'am', fixed_slot: null, after: [] },
    { id: 3, a: 1, b: 4, session: 'pm', fixed_slot: null, after: [] },
    { id: 4, a: 2, b: 3, session: 'any', fixed_slot: 5, after: [] },
    { id: 5, a: 3, b: 4, session: 'any', fixed_slot: null, after: [2] },
  ],
};
const good = { 1: 1, 2: 2, 3: 4, 4: 5, 5: 3 };

describe('b2b checker', () => {
  it('accepts a valid schedule and counts breaks', () => {
    const r = checkB2b(inst, good);
    expect(r.violations).toEqual([]);
    // participant 1: slots 1, 2, 4 → one break; 2: 1, 5 → one; 3: 2, 3, 5 → one; 4: 3, 4 → none.
    expect(r.totalBreaks).toBe(3);
    expect(r.breaks.get(1)).toBe(1);
  });

  it.each([
    ['an unscheduled meeting', { ...good, 1: undefined }, /not scheduled/],
    ['a slot out of range', { ...good, 1: 7 }, /not scheduled in a valid slot/],
    ['a morning-only meeting in the afternoon', { ...good, 2: 5 }, /outside the morning/],
    ['an afternoon-only meeting in the morning', { ...good, 3: 3, 5: 4 }, /outside the afternoon/],
    ['a meeting the instance does not have', { ...good, 9: 1 }, /meeting 9: not in the instance/],
    ['a fixed slot moved', { ...good, 4: 6 }, /fixed slot 5/],
    ['a broken precedence', { ...good, 5: 1, 1: 3 }, /must come before/],
    ['a double-booked participant', { ...good, 3: 1, 1: 2 }, /two meetings in slot/],
    ['a forbidden slot', { ...good, 1: 2, 2: 1 }, /forbidden slot 2/],
  ])('rejects %s', (_n, schedule, msg) => {
    const r = checkB2b(inst, schedule as Record<number, number>);
    expect(r.valid).toBe(false);
    expect(r.violations.join('\n')).toMatch(msg);
  });

  it('rejects more meetings in a slot than tables', () => {
    const tight = { ...inst, tables: 1 };
    const r = checkB2b(tight, { 1: 1, 2: 2, 3: 4, 4: 5, 5: 5 });
    expect(r.violations.join('\n')).toMatch(/slot 5: 2 meetings for 1 tables/);
  });

  it('the heuristic schedules every meeting and passes the checker', () => {
    const res = solveHeuristic(inst, 200);
    const r = checkB2b(inst, res.schedule);
    expect(r.violations).toEqual([]);
    expect(r.totalBreaks).toBe(res.breaks);
  });
});
