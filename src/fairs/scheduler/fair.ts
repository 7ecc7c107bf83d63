/**
 * The general fair problem: which of the candidate meetings to hold, in which slot, at which
 * table. Participants have availability per slot, a cap on meetings, and may host at a fixed
 * table; tables are shared per slot; vetoed and self pairs never meet.
 */
export interface FairInstance {
  slots: number;
  /** Inclusive slot ranges of the sessions (idle gaps count inside a session only). */
  sessions: [number, number][];
  tables: number;
  participants: { id: string; available: boolean[]; maxMeetings: number; fixedTable?: number }[];
  /** Candidate pairs (participant indices) with the value of holding them. */
  candidates: { a: number; b: number; value: number; must?: boolean }[];
  vetoed?: [number, number][];
}

export interface Meeting {
  candidate: number;
  slot: number;
  table: number;
}

export interface FairSchedule {
  meetings: Meeting[];
  value: number;
  idleGaps: number;
  /** Upper bound on the value: each candidate counted while both sides have cap left, best first. */
  valueBound: number;
  ms: number;
}

function sessionOf(inst: FairInstance): Int32Array {
  const s = new Int32Array(inst.slots).fill(-1);
  inst.sessions.forEach(([a, b], i) => {
    for (let t = a; t <= b; t++) s[t - 1] = i;
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

/**
 * Greedy by value (musts first): each candidate goes to the feasible slot that adds the fewest
 * idle gaps for its two participants (adjacent to their meetings), then the least-used slot.
 * Then, within `timeLimitMs`, meetings are moved to other free slots when that removes gaps.
 */
export function scheduleFair(inst: FairInstance, timeLimitMs = 2000): FairSchedule {
  const t0 = performance.now();
  const S = inst.slots;
  const P = inst.participants.length;
  const session = sessionOf(inst);
  const busy = Array.from({ length: P }, () => new Uint8Array(S));
  const held = new Int32Array(P);
  const tableUse = Array.from({ length: S }, () => new Uint8Array(inst.tables));
  const used = new Int32Array(S);
  const veto = new Set((inst.vetoed ?? []).map(([a, b]) => (a < b ? `${a}:${b}` : `${b}:${a}`)));
  const order = [...inst.candidates.keys()].sort((x, y) => {
    const cx = inst.candidates[x]!;
    const cy = inst.candidates[y]!;
    return Number(cy.must ?? false) - Number(cx.must ?? false) || cy.value - cx.value;
  });
  const meetings: Meeting[] = [];
  const gapDelta = (p: number, t: number) => {
    const row = busy[p]!;
    const before = idleGaps(row, session);
    row[t] = 1;
    const after = idleGaps(row, session);
    row[t] = 0;
    return after - before;
  };
  const tableFor = (a: number, b: number, t: number): number => {
    const fa = inst.participants[a]!.fixedTable;
    const fb = inst.participants[b]!.fixedTable;
    if (fa !== undefined && fb !== undefined && fa !== fb) return -1;
    const fixed = fa ?? fb;
    if (fixed !== undefined) return tableUse[t]![fixed] ? -1 : fixed;
    // Free tables, skipping ones reserved by fixed hosts (they may need them later).
    for (let k = 0; k < inst.tables; k++) if (!tableUse[t]![k] && !reserved.has(k)) return k;
    return -1;
  };
  const reserved = new Set(
    inst.participants.map((p) => p.fixedTable).filter((x): x is number => x !== undefined),
  );
  let valueBound = 0;
  const capLeft = Int32Array.from(inst.participants, (p) => p.maxMeetings);
  for (const ci of order) {
    const c = inst.candidates[ci]!;
    if (c.a === c.b || veto.has(c.a < c.b ? `${c.a}:${c.b}` : `${c.b}:${c.a}`)) continue;
    if (capLeft[c.a]! > 0 && capLeft[c.b]! > 0) {
      valueBound += c.value;
      capLeft[c.a]!--;
      capLeft[c.b]!--;
    }
    const pa = inst.participants[c.a]!;
    const pb = inst.participants[c.b]!;
    if (held[c.a]! >= pa.maxMeetings || held[c.b]! >= pb.maxMeetings) continue;
    let best = -1;
    let bestCost = Infinity;
    let bestTable = -1;
    for (let t = 0; t < S; t++) {
      if (
        busy[c.a]![t] ||
        busy[c.b]![t] ||
        !pa.available[t] ||
        !pb.available[t] ||
        used[t]! >= inst.tables
      )
        continue;
      const k = tableFor(c.a, c.b, t);
      if (k < 0) continue;
      const cost = gapDelta(c.a, t) + gapDelta(c.b, t) + used[t]! / (inst.tables + 1);
      if (cost < bestCost) {
        bestCost = cost;
        best = t;
        bestTable = k;
      }
    }
    if (best < 0) continue;
    busy[c.a]![best] = 1;
    busy[c.b]![best] = 1;
    held[c.a]!++;
    held[c.b]!++;
    used[best]!++;
    tableUse[best]![bestTable] = 1;
    meetings.push({ candidate: ci, slot: best + 1, table: bestTable + 1 });
  }

  // Improvement: move a meeting to another slot when that lowers its participants' gaps.
  const deadline = t0 + timeLimitMs;
  let improved = true;
  while (improved && performance.now() < deadline) {
    improved = false;
    for (const m of meetings) {
      if (performance.now() > deadline) break;
      const c = inst.candidates[m.candidate]!;
      const from = m.slot - 1;
      busy[c.a]![from] = 0;
      busy[c.b]![from] = 0;
      tableUse[from]![m.table - 1] = 0;
      used[from]!--;
      const base = idleGaps(busy[c.a]!, session) + idleGaps(busy[c.b]!, session);
      let bestT = from;
      let bestK = m.table - 1;
      let bestGaps = base + gapDelta(c.a, from) + gapDelta(c.b, from);
      for (let t = 0; t < S; t++) {
        if (t === from || busy[c.a]![t] || busy[c.b]![t] || used[t]! >= inst.tables) continue;
        if (!inst.participants[c.a]!.available[t] || !inst.participants[c.b]!.available[t])
          continue;
        const k = tableFor(c.a, c.b, t);
        if (k < 0) continue;
        const g = base + gapDelta(c.a, t) + gapDelta(c.b, t);
        if (g < bestGaps) {
          bestGaps = g;
          bestT = t;
          bestK = k;
        }
      }
      if (bestT !== from) improved = true;
      busy[c.a]![bestT] = 1;
      busy[c.b]![bestT] = 1;
      tableUse[bestT]![bestK] = 1;
      used[bestT]!++;
      m.slot = bestT + 1;
      m.table = bestK + 1;
    }
  }
  const value = meetings.reduce((s, m) => s + inst.candidates[m.candidate]!.value, 0);
  const gaps = busy.reduce((s, row) => s + idleGaps(row, session), 0);
  return { meetings, value, idleGaps: gaps, valueBound, ms: performance.now() - t0 };
}
