import { describe, expect, it } from 'vitest';
import { checkFair } from '../../src/fairs/checker.ts';
import { explainUnscheduled } from '../../src/fairs/scheduler/diagnose.ts';
import { scheduleFair, type FairInstance, type Meeting } from '../../src/fairs/scheduler/fair.ts';
import { generateFair } from '../../src/fairs/scheduler/generate.ts';
import { replanFair, type FairDiff } from '../../src/fairs/scheduler/replan.ts';

// 400 participants (the first 100 host at fixed tables 1–100), 4,000 pairs, 8 slots, 200 tables.
const base = () => generateFair(400, 4000, 8, 200, 11);
const clone = (inst: FairInstance): FairInstance => structuredClone(inst);
const key = (m: Meeting) => `${m.candidate}@${m.slot}/${m.table}`;

/** The published schedule with the diff applied must be exactly the new schedule. */
function applyDiff(published: Meeting[], diff: FairDiff): string[] {
  const gone = new Set(diff.cancelled.map((c) => c.candidate));
  const moved = new Map(diff.moved.map((m) => [m.candidate, m.to]));
  const out = published
    .filter((m) => !gone.has(m.candidate))
    .map((m) => ({ candidate: m.candidate, ...(moved.get(m.candidate) ?? m) }));
  return [...out, ...diff.added].map(key).sort();
}

const involves = (inst: FairInstance, m: Meeting, p: number) =>
  inst.candidates[m.candidate]!.a === p || inst.candidates[m.candidate]!.b === p;

describe('re-planning a published fair', () => {
  const inst = base();
  const published = scheduleFair(inst, { timeLimitMs: 500, exact: 'never' }).meetings;

  it('publishes a checked schedule', () => {
    expect(checkFair(inst, published)).toEqual([]);
    expect(published.length).toBeGreaterThan(500);
  });

  it('cancelling a participant cancels exactly their meetings and moves nobody else', () => {
    const held = (p: number) => published.filter((m) => involves(inst, m, p)).length;
    const x = [...inst.participants.keys()].find((p) => p >= 100 && held(p) >= 3)!;
    const next = clone(inst);
    next.participants[x]!.cancelled = true;
    const { schedule, diff } = replanFair(next, published, { timeLimitMs: 500 });
    expect(checkFair(next, schedule.meetings)).toEqual([]);
    const theirs = published.filter((m) => involves(inst, m, x));
    expect(diff.cancelled.map((c) => c.candidate).sort()).toEqual(
      theirs.map((m) => m.candidate).sort(),
    );
    for (const c of diff.cancelled) expect(c.reason).toMatch(/^participant_cancelled/);
    // Nobody else moved; every meeting not involving x is still where it was.
    expect(diff.moved).toEqual([]);
    const now = new Set(schedule.meetings.map(key));
    for (const m of published) if (!involves(inst, m, x)) expect(now.has(key(m))).toBe(true);
    // The diff says exactly what changed.
    expect(applyDiff(published, diff)).toEqual(schedule.meetings.map(key).sort());
    // Freed places are refilled, never with the cancelled participant.
    for (const a of diff.added) expect(involves(next, a, x)).toBe(false);
  });

  it('a vetoed meeting is cancelled, a late pair is added, an availability change moves one meeting', () => {
    const next = clone(inst);
    const [v, w] = [published[0]!, published[1]!];
    next.vetoed = [
      ...(next.vetoed ?? []),
      [inst.candidates[v.candidate]!.a, inst.candidates[v.candidate]!.b],
    ];
    // w's first participant can no longer attend w's slot.
    const wp = inst.candidates[w.candidate]!.a;
    next.participants[wp]!.available[w.slot - 1] = false;
    // A late pair between two participants free in a slot that still has a free table.
    const late = next.candidates.length;
    const slotLoad = (t: number) => published.filter((m) => m.slot === t && m.table > 100).length;
    const t = [1, 2, 3, 4, 5, 6, 7, 8].find((t) => slotLoad(t) < 100)!;
    expect(t).toBeDefined();
    const busy = (p: number) => published.some((m) => m.slot === t && involves(inst, m, p));
    const count = (p: number) => published.filter((m) => involves(inst, m, p)).length;
    const touched = new Set([
      inst.candidates[v.candidate]!.a,
      inst.candidates[v.candidate]!.b,
      inst.candidates[w.candidate]!.a,
      inst.candidates[w.candidate]!.b,
    ]);
    const free = [...inst.participants.keys()].filter(
      (p) =>
        p >= 100 &&
        !touched.has(p) &&
        inst.participants[p]!.available[t - 1] &&
        !busy(p) &&
        count(p) < inst.participants[p]!.maxMeetings,
    );
    expect(free.length).toBeGreaterThanOrEqual(2);
    next.candidates.push({ a: free[0]!, b: free[1]!, value: 5, must: true });
    const { schedule, diff } = replanFair(next, published, { timeLimitMs: 500 });
    expect(checkFair(next, schedule.meetings)).toEqual([]);
    expect(diff.cancelled.find((c) => c.candidate === v.candidate)?.reason).toMatch(/^vetoed/);
    const wMoved = diff.moved.find((m) => m.candidate === w.candidate);
    const wCancelled = diff.cancelled.find((c) => c.candidate === w.candidate);
    expect(Boolean(wMoved) !== Boolean(wCancelled)).toBe(true);
    if (wMoved) expect(wMoved.to.slot).not.toBe(w.slot);
    for (const m of diff.moved)
      expect(
        involves(inst, { candidate: m.candidate, slot: 0, table: 0 }, wp) ||
          m.candidate === w.candidate,
      ).toBe(true);
    expect(diff.added.some((a) => a.candidate === late)).toBe(true);
    expect(applyDiff(published, diff)).toEqual(schedule.meetings.map(key).sort());
  });
});

describe('explaining unscheduled candidates', () => {
  it('gives one reason per candidate not held, and the static ones are right', () => {
    const inst = base();
    inst.participants[150]!.cancelled = true;
    inst.candidates.push({ a: 7, b: 7, value: 1 });
    const res = scheduleFair(inst, { timeLimitMs: 300, exact: 'never' });
    expect(checkFair(inst, res.meetings)).toEqual([]);
    const why = explainUnscheduled(inst, res.meetings);
    const held = new Set(res.meetings.map((m) => m.candidate));
    expect(why.length).toBe(inst.candidates.length - held.size);
    for (const w of why) expect(held.has(w.candidate)).toBe(false);
    const byC = new Map(why.map((w) => [w.candidate, w]));
    expect(byC.get(inst.candidates.length - 1)!.reason).toBe('self');
    // The generator vetoes its first 200 pairs.
    for (let c = 0; c < 200; c++) expect(byC.get(c)?.reason).toBe('vetoed');
    inst.candidates.forEach((c, i) => {
      if (i >= 200 && c.a !== c.b && (c.a === 150 || c.b === 150))
        expect(byC.get(i)?.reason).toBe('participant_cancelled');
    });
    expect(why.every((w) => w.detail.length > 0)).toBe(true);
  });

  it('names caps, missing common slots and full tables', () => {
    const all = (n: number) => Array<boolean>(n).fill(true);
    const inst: FairInstance = {
      slots: 2,
      sessions: [[1, 2]],
      tables: 1,
      participants: [
        { id: 'a', available: all(2), maxMeetings: 1 },
        { id: 'b', available: all(2), maxMeetings: 2 },
        { id: 'c', available: [false, true], maxMeetings: 2 },
        { id: 'd', available: [true, false], maxMeetings: 2 },
        { id: 'e', available: all(2), maxMeetings: 2 },
      ],
      candidates: [
        { a: 0, b: 1, value: 0.9 }, // held
        { a: 0, b: 4, value: 0.5 }, // a's cap of 1 is used by a better meeting
        { a: 2, b: 3, value: 0.8 }, // never both available
        { a: 2, b: 4, value: 0.7 }, // held in slot 2
        { a: 1, b: 4, value: 0.1 }, // slot 1 both free? b busy in one slot, the other table taken
      ],
    };
    const meetings = [
      { candidate: 0, slot: 1, table: 1 },
      { candidate: 3, slot: 2, table: 1 },
    ];
    expect(checkFair(inst, meetings)).toEqual([]);
    const why = new Map(explainUnscheduled(inst, meetings).map((w) => [w.candidate, w.reason]));
    expect(why.get(1)).toBe('cap_reached');
    expect(why.get(2)).toBe('no_common_free_slot');
    expect(why.get(4)).toBe('lower_value');
  });
});

describe('fair checker, the newer rules', () => {
  const all = (n: number) => Array<boolean>(n).fill(true);
  const inst: FairInstance = {
    slots: 2,
    sessions: [[1, 2]],
    tables: 2,
    participants: [
      { id: 'host', available: [true, false], maxMeetings: 2, fixedTable: 0 },
      { id: 'b', available: all(2), maxMeetings: 2 },
      { id: 'c', available: all(2), maxMeetings: 2, cancelled: true },
      { id: 'd', available: all(2), maxMeetings: 2 },
    ],
    candidates: [
      { a: 1, b: 3, value: 1 },
      { a: 1, b: 2, value: 1 },
    ],
  };
  it('keeps a host table for the host in the slots they attend, only', () => {
    expect(checkFair(inst, [{ candidate: 0, slot: 1, table: 1 }]).join()).toMatch(
      /reserved for host/,
    );
    expect(checkFair(inst, [{ candidate: 0, slot: 2, table: 1 }])).toEqual([]);
  });
  it('refuses a meeting of a cancelled participant', () => {
    expect(checkFair(inst, [{ candidate: 1, slot: 1, table: 2 }]).join()).toMatch(/cancelled/);
  });
});
