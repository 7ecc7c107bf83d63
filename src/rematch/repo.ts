import { and, asc, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/client.ts';
import {
  embeddings,
  listings,
  matchRunChunks,
  matchRunPairs,
  matchRuns,
  type MatchRunParams,
  type MatchRunRow,
} from '../db/schema.ts';
import { fromBlob } from '../embedding/store.ts';
import type { Side } from '../listings/schemas.ts';
import type { ListingFacts, RankedPair, RankingWeights } from './rank.ts';

/** Pairs per INSERT statement (6 parameters each; SQLite allows 32,766). */
const INSERT_ROWS = 64;

/** A listing about to be matched: its facts and its vector in the run's model. */
export interface QueryListing extends ListingFacts {
  vector: Float32Array;
}

/** What a counterpart label (vector row id) stands for. */
export interface CandidateFacts extends ListingFacts {
  active: boolean;
}

/** The pairs of one query listing, as a chunk stores them. */
export interface ChunkResult {
  queryId: string;
  pairs: RankedPair[];
}

export interface ChunkOutcome {
  /** `stored`: this call wrote the chunk; `skipped`: already done, or the run is not running. */
  status: 'stored' | 'skipped';
  /** The run reached done == total in this call. */
  completedRun: boolean;
}

/** One stored pair, as diffs and exports read it. */
export interface StoredPair {
  queryId: string;
  rank: number;
  candidateId: string;
  score: number;
  reasons: string;
}

/** Data access for match runs. Synchronous, like better-sqlite3. */
export class RunRepo {
  private insertMany: Statement | undefined;
  private insertOne: Statement | undefined;

  constructor(private readonly db: Db) {}

  /** Ids of the listings a run matches: active, with a vector of the model, filtered, by id. */
  queryListingIds(side: Side, modelId: string, filter: MatchRunParams['filter']): string[] {
    const where: SQL[] = [eq(listings.side, side), eq(listings.status, 'active')];
    if (filter.industry) where.push(eq(listings.industry, filter.industry));
    if (filter.region) where.push(sql`${listings.regionCode} LIKE ${filter.region + '%'}`);
    return this.db
      .select({ id: listings.id })
      .from(listings)
      .innerJoin(
        embeddings,
        and(eq(embeddings.listingId, listings.id), eq(embeddings.modelId, modelId)),
      )
      .where(and(...where))
      .orderBy(asc(listings.id))
      .all()
      .map((r) => r.id);
  }

  /** Dimension of a model's stored vectors, or undefined when the model has none. */
  modelDimension(modelId: string): number | undefined {
    return this.db
      .select({ d: embeddings.dimension })
      .from(embeddings)
      .where(eq(embeddings.modelId, modelId))
      .limit(1)
      .get()?.d;
  }

  /** Creates a run with its chunks in one transaction (a run is never seen half created). */
  create(input: {
    side: Side;
    modelId: string;
    params: MatchRunParams;
    weights: RankingWeights;
    listingIds: string[];
  }): MatchRunRow {
    const { params, listingIds } = input;
    const chunks: string[][] = [];
    for (let i = 0; i < listingIds.length; i += params.chunkSize)
      chunks.push(listingIds.slice(i, i + params.chunkSize));
    return this.db.transaction(
      (tx) => {
        const now = new Date();
        const empty = chunks.length === 0;
        const run = tx
          .insert(matchRuns)
          .values({
            status: empty ? 'completed' : 'running',
            side: input.side,
            modelId: input.modelId,
            params,
            weights: input.weights,
            totalChunks: chunks.length,
            totalListings: listingIds.length,
            createdAt: now,
            finishedAt: empty ? now : null,
            stats: empty ? { elapsedMs: 0 } : null,
          })
          .returning()
          .get();
        chunks.forEach((ids, chunk) =>
          tx
            .insert(matchRunChunks)
            .values({ runId: run.id, chunk, listingIds: ids, status: 'pending' })
            .run(),
        );
        return run;
      },
      { behavior: 'immediate' },
    );
  }

  get(id: number): MatchRunRow | undefined {
    return this.db.select().from(matchRuns).where(eq(matchRuns.id, id)).get();
  }

  /** Newest first, with a cursor (runs with a smaller id). */
  list(limit: number, before?: number, status?: MatchRunRow['status']): MatchRunRow[] {
    const where: SQL[] = [];
    if (before !== undefined) where.push(lt(matchRuns.id, before));
    if (status) where.push(eq(matchRuns.status, status));
    return this.db
      .select()
      .from(matchRuns)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(matchRuns.id))
      .limit(limit)
      .all();
  }

  /** Cancels a running run; false when it was not running. */
  cancel(id: number): boolean {
    return (
      this.db
        .update(matchRuns)
        .set({ status: 'cancelled', finishedAt: new Date() })
        .where(and(eq(matchRuns.id, id), eq(matchRuns.status, 'running')))
        .run().changes > 0
    );
  }

  /** Marks a running run failed (a chunk failed for good). */
  fail(id: number, error: string): void {
    this.db
      .update(matchRuns)
      .set({ status: 'failed', error: error.slice(0, 1000), finishedAt: new Date() })
      .where(and(eq(matchRuns.id, id), eq(matchRuns.status, 'running')))
      .run();
  }

  chunk(
    runId: number,
    chunk: number,
  ): { listingIds: string[]; status: 'pending' | 'done' } | undefined {
    return this.db
      .select({ listingIds: matchRunChunks.listingIds, status: matchRunChunks.status })
      .from(matchRunChunks)
      .where(and(eq(matchRunChunks.runId, runId), eq(matchRunChunks.chunk, chunk)))
      .get();
  }

  /** Chunk numbers of a run not done yet (to enqueue again after a crash). */
  pendingChunks(runId: number): number[] {
    return this.db
      .select({ chunk: matchRunChunks.chunk })
      .from(matchRunChunks)
      .where(and(eq(matchRunChunks.runId, runId), eq(matchRunChunks.status, 'pending')))
      .orderBy(asc(matchRunChunks.chunk))
      .all()
      .map((r) => r.chunk);
  }

  runningIds(): number[] {
    return this.db
      .select({ id: matchRuns.id })
      .from(matchRuns)
      .where(eq(matchRuns.status, 'running'))
      .all()
      .map((r) => r.id);
  }

  /** The facts and vectors of listings, in the order of `ids` (those without a vector are left out). */
  queryListings(ids: string[], modelId: string): QueryListing[] {
    const rows = new Map<string, QueryListing>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const found = this.db.$client
        .prepare(
          `SELECT l.id, l.industry, l.region_code AS regionCode, e.vector
             FROM listings l JOIN embeddings e ON e.listing_id = l.id AND e.model_id = ?
            WHERE l.id IN (${part.map(() => '?').join(',')})`,
        )
        .all(modelId, ...part) as {
        id: string;
        industry: string | null;
        regionCode: string | null;
        vector: Buffer;
      }[];
      for (const r of found)
        rows.set(r.id, {
          id: r.id,
          industry: r.industry,
          regionCode: r.regionCode,
          vector: fromBlob(r.vector),
        });
    }
    return ids.flatMap((id) => rows.get(id) ?? []);
  }

  /**
   * What each vector label of one side and model stands for (labels above `afterId` only):
   * the worker's map from index hits to listings, with their active flag.
   */
  candidateFacts(modelId: string, side: Side, afterId = 0): Map<number, CandidateFacts> {
    const rows = this.db.$client
      .prepare(
        `SELECT e.id AS label, l.id, l.industry, l.region_code AS regionCode, l.status
           FROM embeddings e JOIN listings l ON l.id = e.listing_id
          WHERE e.model_id = ? AND e.side = ? AND e.id > ?`,
      )
      .all(modelId, side, afterId) as {
      label: number;
      id: string;
      industry: string | null;
      regionCode: string | null;
      status: string;
    }[];
    return new Map(
      rows.map((r) => [
        r.label,
        { id: r.id, industry: r.industry, regionCode: r.regionCode, active: r.status === 'active' },
      ]),
    );
  }

  /**
   * Stores one chunk's pairs and moves the run's counters in one transaction: the chunk's old
   * pairs (if any) are deleted first, so a chunk run twice leaves exactly one set. A chunk that
   * is already done, or a run no longer running (cancelled, failed), is left as it is.
   */
  storeChunk(
    runId: number,
    chunk: number,
    results: ChunkResult[],
    extra: { recallHits: number; recallTotal: number; workMs: number },
  ): ChunkOutcome {
    const client = this.db.$client;
    const sql = (rows: number) =>
      `INSERT INTO match_run_pairs (run_id, query_id, rank, candidate_id, score, reasons) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;
    // Many rows per statement: one call into SQLite per 64 pairs instead of per pair.
    this.insertMany ??= client.prepare(sql(INSERT_ROWS));
    this.insertOne ??= client.prepare(sql(1));
    const many = this.insertMany;
    const one = this.insertOne;
    return client
      .transaction((): ChunkOutcome => {
        const run = client.prepare(`SELECT status FROM match_runs WHERE id = ?`).get(runId) as
          { status: string } | undefined;
        const c = client
          .prepare(
            `SELECT status, listing_ids FROM match_run_chunks WHERE run_id = ? AND chunk = ?`,
          )
          .get(runId, chunk) as { status: string; listing_ids: string } | undefined;
        if (run?.status !== 'running' || !c || c.status === 'done')
          return { status: 'skipped', completedRun: false };
        const ids = JSON.parse(c.listing_ids) as string[];
        const del = client.prepare(`DELETE FROM match_run_pairs WHERE run_id = ? AND query_id = ?`);
        for (const id of ids) del.run(runId, id);
        let pairs = 0;
        const buf: unknown[] = [];
        for (const r of results) {
          for (const p of r.pairs) {
            buf.push(runId, r.queryId, p.rank, p.candidateId, p.score, JSON.stringify(p.reasons));
            pairs++;
            if (buf.length === INSERT_ROWS * 6) many.run(...buf.splice(0));
          }
        }
        for (let i = 0; i < buf.length; i += 6) one.run(...buf.slice(i, i + 6));
        const now = Date.now();
        client
          .prepare(
            `UPDATE match_run_chunks SET status = 'done', pair_count = ?, done_at = ? WHERE run_id = ? AND chunk = ?`,
          )
          .run(pairs, now, runId, chunk);
        const after = client
          .prepare(
            `UPDATE match_runs
              SET done_chunks = done_chunks + 1, done_listings = done_listings + ?,
                  pair_count = pair_count + ?, recall_hits = recall_hits + ?,
                  recall_total = recall_total + ?, work_ms = work_ms + ?
            WHERE id = ?
        RETURNING done_chunks, total_chunks, created_at, done_listings, pair_count, recall_hits, recall_total, work_ms`,
          )
          .get(
            ids.length,
            pairs,
            extra.recallHits,
            extra.recallTotal,
            Math.round(extra.workMs),
            runId,
          ) as {
          done_chunks: number;
          total_chunks: number;
          created_at: number;
          done_listings: number;
          pair_count: number;
          recall_hits: number;
          recall_total: number;
          work_ms: number;
        };
        if (after.done_chunks < after.total_chunks)
          return { status: 'stored', completedRun: false };
        const elapsedMs = now - after.created_at;
        const stats = {
          elapsedMs,
          listingsPerSecond: round2((after.done_listings * 1000) / Math.max(1, elapsedMs)),
          pairs: after.pair_count,
          workMs: after.work_ms,
          ...(after.recall_total > 0
            ? {
                recallAt10: Math.round((after.recall_hits / after.recall_total) * 1e4) / 1e4,
                recallSample: after.recall_total / 10,
              }
            : {}),
        };
        client
          .prepare(
            `UPDATE match_runs SET status = 'completed', finished_at = ?, stats = ? WHERE id = ?`,
          )
          .run(now, JSON.stringify(stats), runId);
        return { status: 'stored', completedRun: true };
        // IMMEDIATE: take the write lock before the first read. A deferred transaction that reads
        // and then writes fails at once (SQLITE_BUSY, no waiting) when another process committed
        // in between; this one waits its turn under busy_timeout instead.
      })
      .immediate();
  }

  /** A run's pairs ordered by (query, rank), read in pages so a large run is never all in memory. */
  *pairs(runId: number, page = 10_000): Generator<StoredPair> {
    let afterQuery = '';
    let afterRank = 0;
    const stmt = this.db.$client.prepare(
      `SELECT query_id AS queryId, rank, candidate_id AS candidateId, score, reasons
         FROM match_run_pairs
        WHERE run_id = ? AND (query_id > ? OR (query_id = ? AND rank > ?))
        ORDER BY query_id, rank LIMIT ?`,
    );
    for (;;) {
      const rows = stmt.all(runId, afterQuery, afterQuery, afterRank, page) as StoredPair[];
      yield* rows;
      if (rows.length < page) return;
      const last = rows[rows.length - 1]!;
      afterQuery = last.queryId;
      afterRank = last.rank;
    }
  }

  /** Pairs of one query listing in a run, best first. */
  pairsOf(runId: number, queryId: string): StoredPair[] {
    return this.db
      .select({
        queryId: matchRunPairs.queryId,
        rank: matchRunPairs.rank,
        candidateId: matchRunPairs.candidateId,
        score: matchRunPairs.score,
        reasons: sql<string>`${matchRunPairs.reasons}`,
      })
      .from(matchRunPairs)
      .where(and(eq(matchRunPairs.runId, runId), eq(matchRunPairs.queryId, queryId)))
      .orderBy(asc(matchRunPairs.rank))
      .all();
  }
}

/** Titles of listings by id (exports show them beside the ids). */
export function titlesOf(db: Db, ids: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const part = unique.slice(i, i + 500);
    const rows = db.$client
      .prepare(`SELECT id, title FROM listings WHERE id IN (${part.map(() => '?').join(',')})`)
      .all(...part) as { id: string; title: string }[];
    for (const r of rows) out.set(r.id, r.title);
  }
  return out;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
