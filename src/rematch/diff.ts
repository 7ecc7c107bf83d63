import type { StoredPair } from './repo.ts';

/** How one pair differs between run A and run B. */
export interface DiffEntry {
  queryId: string;
  candidateId: string;
  change: 'new' | 'dropped' | 'moved';
  /** Rank in A (null: not in A's top-k). */
  rankA: number | null;
  rankB: number | null;
  scoreA: number | null;
  scoreB: number | null;
}

export interface DiffSummary {
  new: number;
  dropped: number;
  moved: number;
  unchanged: number;
}

interface Group {
  queryId: string;
  pairs: StoredPair[];
}

/** Consecutive pairs of one query listing (the input is ordered by query, then rank). */
function* groups(pairs: Iterable<StoredPair>): Generator<Group> {
  let cur: Group | undefined;
  for (const p of pairs) {
    if (cur?.queryId !== p.queryId) {
      if (cur) yield cur;
      cur = { queryId: p.queryId, pairs: [] };
    }
    cur.pairs.push(p);
  }
  if (cur) yield cur;
}

/**
 * The pairs that are new in B, dropped from A, or moved (rank changed), from two runs' pairs
 * each ordered by (query id, rank): one merge pass, one query listing in memory at a time, so
 * runs of millions of pairs diff in constant memory. `summary` is filled as the entries are read.
 */
export function* diffPairs(
  a: Iterable<StoredPair>,
  b: Iterable<StoredPair>,
  summary: DiffSummary,
): Generator<DiffEntry> {
  const ia = groups(a)[Symbol.iterator]();
  const ib = groups(b)[Symbol.iterator]();
  let ga = ia.next();
  let gb = ib.next();
  while (!ga.done || !gb.done) {
    const qa = ga.done ? undefined : ga.value.queryId;
    const qb = gb.done ? undefined : gb.value.queryId;
    // SQLite orders text by bytes; for the ASCII ids used here that is JavaScript's order.
    const takeA = qa !== undefined && (qb === undefined || qa <= qb);
    const takeB = qb !== undefined && (qa === undefined || qb <= qa);
    const pa = takeA && !ga.done ? ga.value.pairs : [];
    const pb = takeB && !gb.done ? gb.value.pairs : [];
    const queryId = (takeA ? qa : qb)!;
    const inA = new Map(pa.map((p) => [p.candidateId, p]));
    const inB = new Set<string>();
    for (const p of pb) {
      inB.add(p.candidateId);
      const old = inA.get(p.candidateId);
      if (!old) {
        summary.new++;
        yield {
          queryId,
          candidateId: p.candidateId,
          change: 'new',
          rankA: null,
          rankB: p.rank,
          scoreA: null,
          scoreB: p.score,
        };
      } else if (old.rank !== p.rank) {
        summary.moved++;
        yield {
          queryId,
          candidateId: p.candidateId,
          change: 'moved',
          rankA: old.rank,
          rankB: p.rank,
          scoreA: old.score,
          scoreB: p.score,
        };
      } else {
        summary.unchanged++;
      }
    }
    for (const p of pa) {
      if (inB.has(p.candidateId)) continue;
      summary.dropped++;
      yield {
        queryId,
        candidateId: p.candidateId,
        change: 'dropped',
        rankA: p.rank,
        rankB: null,
        scoreA: p.score,
        scoreB: null,
      };
    }
    if (takeA) ga = ia.next();
    if (takeB) gb = ib.next();
  }
}
