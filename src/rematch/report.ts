import type { Db } from '../db/client.ts';
import type { MatchRunRow } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { diffPairs, type DiffEntry, type DiffSummary } from './diff.ts';
import type { Cell, TableData } from './export.ts';
import { titlesOf, type RunRepo, type StoredPair } from './repo.ts';

/** Pairs read per title look-up. */
const BATCH = 2000;

function* batches<T>(it: Iterable<T>, size: number): Generator<T[]> {
  let buf: T[] = [];
  for (const x of it) {
    buf.push(x);
    if (buf.length === size) {
      yield buf;
      buf = [];
    }
  }
  if (buf.length) yield buf;
}

/** Lets other requests in between batches: diffs and exports of large runs read millions of rows. */
function breathe(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** An iterable read with a pause for the event loop every `every` items. */
export async function* yielding<T>(it: Iterable<T>, every = BATCH): AsyncGenerator<T> {
  let n = 0;
  for (const x of it) {
    if (++n % every === 0) await breathe();
    yield x;
  }
}

/** (need, offer) of a pair whatever the run's side. */
export function needOffer(side: MatchRunRow['side'], queryId: string, candidateId: string) {
  return side === 'need'
    ? { needId: queryId, offerId: candidateId }
    : { needId: candidateId, offerId: queryId };
}

/** A run's pairs as an export table: ids, titles, rank, score and reasons. */
export function pairsTable(db: Db, runs: RunRepo, run: MatchRunRow): TableData {
  async function* rows(): AsyncGenerator<Cell[]> {
    for (const part of batches<StoredPair>(runs.pairs(run.id), BATCH)) {
      await breathe();
      const titles = titlesOf(
        db,
        part.flatMap((p) => [p.queryId, p.candidateId]),
      );
      for (const p of part) {
        const { needId, offerId } = needOffer(run.side, p.queryId, p.candidateId);
        yield [
          needId,
          titles.get(needId) ?? null,
          offerId,
          titles.get(offerId) ?? null,
          p.rank,
          p.score,
          p.reasons,
        ];
      }
    }
  }
  return {
    sheet: `run ${run.id}`,
    columns: ['need_id', 'need_title', 'offer_id', 'offer_title', 'rank', 'score', 'reasons'],
    rows: rows(),
  };
}

/** Checks that two runs can be compared: both exist, same side, neither still running. */
export function comparableRuns(runs: RunRepo, a: number, b: number): [MatchRunRow, MatchRunRow] {
  const ra = runs.get(a);
  const rb = runs.get(b);
  if (!ra) throw new AppError('not_found', `match run ${a} does not exist`);
  if (!rb) throw new AppError('not_found', `match run ${b} does not exist`);
  if (ra.side !== rb.side)
    throw new AppError(
      'conflict',
      `run ${a} matched ${ra.side}s and run ${b} matched ${rb.side}s; ranks of different sides cannot be compared`,
    );
  for (const r of [ra, rb])
    if (r.status === 'running')
      throw new AppError(
        'not_ready',
        `match run ${r.id} is still running; diff it once it has finished`,
      );
  return [ra, rb];
}

/** The entries of a diff, with the summary filled as they are read. */
export function diffEntries(runs: RunRepo, a: MatchRunRow, b: MatchRunRow, summary: DiffSummary) {
  return diffPairs(runs.pairs(a.id), runs.pairs(b.id), summary);
}

export function emptySummary(): DiffSummary {
  return { new: 0, dropped: 0, moved: 0, unchanged: 0 };
}

/** A diff as an export table. */
export function diffTable(
  db: Db,
  runs: RunRepo,
  a: MatchRunRow,
  b: MatchRunRow,
  summary: DiffSummary,
): TableData {
  async function* rows(): AsyncGenerator<Cell[]> {
    for (const part of batches<DiffEntry>(diffEntries(runs, a, b, summary), BATCH)) {
      await breathe();
      const titles = titlesOf(
        db,
        part.flatMap((e) => [e.queryId, e.candidateId]),
      );
      for (const e of part) {
        const { needId, offerId } = needOffer(a.side, e.queryId, e.candidateId);
        yield [
          e.change,
          needId,
          titles.get(needId) ?? null,
          offerId,
          titles.get(offerId) ?? null,
          e.rankA,
          e.rankB,
          e.scoreA,
          e.scoreB,
        ];
      }
    }
  }
  return {
    sheet: `diff ${a.id}-${b.id}`,
    columns: [
      'change',
      'need_id',
      'need_title',
      'offer_id',
      'offer_title',
      `rank_${a.id}`,
      `rank_${b.id}`,
      `score_${a.id}`,
      `score_${b.id}`,
    ],
    rows: rows(),
  };
}
