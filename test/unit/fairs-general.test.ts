import { describe, expect, it } from 'vitest';
import { checkFair } from '../../src/fairs/checker.ts';
import { scheduleFair, type FairInstance } from '../../src/fairs/scheduler/fair.ts';

const all = (n: number) => Array<boolean>(n).fill(true);
function small(): FairInstance {
  return {
    slots: 4,
    sessions: [
      [1, 2],
      [3, 4],
    ],
    tables: 2,
    participants: [
      { id: 'host', available: all(4), maxMeetings: 3, fixedTable: 0 },
      { id: 'b', available: [true, false, true, true], maxMeetings: 2 },
      { id: 'c', available: all(4), maxMeetings: 1 },
      { id: 'd', available: all(4), maxMeetings: 4 },
    ],
    candidates: [
      { a: 0, b: 1, value: 0.9 },
      { a: 0, b: 2, value: 0.8 },
      { a: 2, b: 3, value: 0.7 },
      { a: 1, b: 3, value: 0.2 },
      { a: 0, b: 3, value: 0.5 },
    ],
    vetoed: [[0, 3]],
  };
}

describe('general fair scheduler', () => {
  it('holds the best meetings that fit and passes the checker', () => {
    const inst = small();
    const res = scheduleFair(inst, 100);
    expect(checkFair(inst, res.meetings)).toEqual([]);
    const held = res.meetings.map((m) => m.candidate).sort();
    // c's cap of one goes to the host (0.8 > 0.7); the vetoed host–d pair never meets.
    expect(held).toEqual([0, 1, 3]);
    for (const m of res.meetings)
      if (inst.candidates[m.candidate]!.a === 0) expect(m.table).toBe(1);
  });

  it.each([
    [
      'double booking',
      [
        { candidate: 0, slot: 1, table: 1 },
        { candidate: 1, slot: 1, table: 2 },
      ],
      /two meetings in slot 1/,
    ],
    ['unavailability', [{ candidate: 0, slot: 2, table: 1 }], /unavailable in slot 2/],
    ['a fixed-table host elsewhere', [{ candidate: 0, slot: 1, table: 2 }], /not at fixed table/],
    ['a vetoed pair', [{ candidate: 4, slot: 1, table: 1 }], /vetoed/],
    [
      'a cap',
      [
        { candidate: 1, slot: 1, table: 1 },
        { candidate: 2, slot: 2, table: 2 },
      ],
      /over cap/,
    ],
    [
      'a shared table',
      [
        { candidate: 2, slot: 3, table: 2 },
        { candidate: 0, slot: 3, table: 2 },
      ],
      /two meetings/,
    ],
  ])('the checker catches %s', (_n, meetings, msg) => {
    expect(checkFair(small(), meetings).join('\n')).toMatch(msg);
  });

  it('solves a small fair exactly and reports its bound', () => {
    const inst = small();
    const exact = scheduleFair(inst, { timeLimitMs: 2000, exact: 'always' });
    const greedy = scheduleFair(inst, { timeLimitMs: 200, exact: 'never' });
    expect(checkFair(inst, exact.meetings)).toEqual([]);
    expect(checkFair(inst, greedy.meetings)).toEqual([]);
    expect(exact.method).toBe('exact');
    expect(exact.optimal).toBe(true);
    expect(greedy.method).toBe('greedy');
    expect(exact.value).toBeGreaterThanOrEqual(greedy.value - 1e-9);
    for (const r of [exact, greedy]) {
      expect(r.valueBound).toBeGreaterThanOrEqual(r.value - 1e-9);
      expect(r.gap).toBeCloseTo(1 - r.value / r.valueBound, 9);
    }
  });

  it.each(['always', 'never'] as const)(
    'holds musts first and leaves nobody without a meeting who could have one (exact %s)',
    (exact) => {
      const inst: FairInstance = {
        slots: 2,
        sessions: [[1, 2]],
        tables: 4,
        participants: [
          { id: 'a', available: all(2), maxMeetings: 1 },
          { id: 'b', available: all(2), maxMeetings: 2 },
          { id: 'c', available: all(2), maxMeetings: 2 },
          { id: 'z', available: all(2), maxMeetings: 2 },
          { id: 'm', available: [true, false], maxMeetings: 1 },
          { id: 'n', available: all(2), maxMeetings: 2 },
        ],
        candidates: [
          { a: 0, b: 1, value: 0.9 }, // a's only meeting by value…
          { a: 0, b: 3, value: 0.1 }, // …but z's only candidate: fairness wants this one
          { a: 1, b: 2, value: 0.5 },
          { a: 4, b: 5, value: 0.05, must: true },
          { a: 4, b: 2, value: 0.95 }, // m has one slot and cap 1: the must wins
        ],
      };
      const r = scheduleFair(inst, { timeLimitMs: 1000, exact });
      expect(checkFair(inst, r.meetings)).toEqual([]);
      const held = new Set(r.meetings.map((m) => m.candidate));
      expect(held.has(3)).toBe(true);
      expect(held.has(1)).toBe(true);
      expect(r.withoutMeeting).toBe(0);
    },
  );
});
