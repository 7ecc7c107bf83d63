import type { Config } from '../config.ts';
import type { MatchRunParams, MatchRunRow } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { Side } from '../listings/schemas.ts';
import type { Logger } from '../log.ts';
import type { JobContext, JobPayload, JobQueue } from '../queue/contract.ts';
import type { RematchIndexes } from './indexes.ts';
import {
  DEFAULT_WEIGHTS,
  rankPairsDense,
  type DenseCandidate,
  type RankingWeights,
} from './rank.ts';
import type { ChunkResult, RunRepo } from './repo.ts';

/** What a caller may ask of a new run; everything has a default. */
export interface CreateRunInput {
  side?: Side;
  filter?: { industry?: string; region?: string };
  k?: number;
  exact?: boolean;
  ef?: number;
  modelId?: string;
  weights?: Partial<RankingWeights>;
  chunkSize?: number;
  /** Listings also searched exactly for recall@10 (HNSW runs); default REMATCH_RECALL_SAMPLE. */
  recallSample?: number;
}

type Hit = { id: number; score: number };

/** Yield to the event loop this often within a chunk, so job locks keep being renewed. */
const YIELD_EVERY = 64;

/**
 * Batch rematch: a run matches every (filtered) listing of one side against the other side,
 * in chunks that run as queue jobs on any worker. The database row is the truth about a run:
 * chunks are frozen at creation, each chunk's pairs and the run's counters move in one
 * transaction, and the chunk that brings done to total completes the run.
 */
export class RematchService {
  constructor(
    private readonly deps: {
      runs: RunRepo;
      queue: JobQueue;
      indexes: RematchIndexes;
      config: Config;
      log: Logger;
      /** The model that serves queries now: a run's default. */
      activeModelId: () => string;
    },
  ) {}

  /** Creates a run and enqueues its chunks. */
  async create(input: CreateRunInput): Promise<MatchRunRow> {
    const { config, runs } = this.deps;
    const side = input.side ?? 'need';
    const counter = side === 'need' ? 'offer' : 'need';
    const modelId = input.modelId ?? this.deps.activeModelId();
    const k = input.k ?? config.REMATCH_K;
    if (k > config.REMATCH_K_MAX)
      throw new AppError('validation_failed', `k must be at most ${config.REMATCH_K_MAX}`);
    if (runs.modelDimension(modelId) === undefined)
      throw new AppError('unknown_model', `no vectors are stored for model "${modelId}"`, {
        modelId,
      });
    const exact = input.exact ?? false;
    const listingIds = runs.queryListingIds(side, modelId, input.filter ?? {});
    const sample = exact ? 0 : (input.recallSample ?? config.REMATCH_RECALL_SAMPLE);
    const params: MatchRunParams = {
      k,
      exact,
      ef: input.ef ?? config.REMATCH_EF,
      filter: input.filter ?? {},
      chunkSize: input.chunkSize ?? config.REMATCH_CHUNK_SIZE,
      recallStride: sample > 0 ? Math.max(1, Math.floor(listingIds.length / sample)) : 0,
    };
    const weights = { ...DEFAULT_WEIGHTS, ...input.weights };
    const run = runs.create({ side, modelId, params, weights, listingIds });
    this.deps.log.info(
      {
        runId: run.id,
        side,
        counter,
        modelId,
        listings: listingIds.length,
        chunks: run.totalChunks,
      },
      'match run created',
    );
    try {
      await this.enqueue(run.id);
    } catch (err) {
      // The run is recorded; the API's sweep enqueues its pending chunks once the queue answers.
      this.deps.log.warn({ runId: run.id, err }, 'enqueueing the chunks of a new run failed');
    }
    return run;
  }

  /** Enqueues the chunks of a run that are not done (job ids collapse with ones still queued). */
  async enqueue(runId: number): Promise<number> {
    const pending = this.deps.runs.pendingChunks(runId);
    for (let i = 0; i < pending.length; i += 1000) {
      await this.deps.queue.enqueue(
        'rematch-chunk',
        pending.slice(i, i + 1000).map((chunk) => ({ runId, chunk })),
      );
    }
    return pending.length;
  }

  /** Enqueues again every running run's pending chunks (after a crash or a lost queue). */
  async resumeAll(): Promise<number> {
    let n = 0;
    for (const id of this.deps.runs.runningIds()) n += await this.enqueue(id);
    return n;
  }

  get(id: number): MatchRunRow {
    const run = this.deps.runs.get(id);
    if (!run) throw new AppError('not_found', `match run ${id} does not exist`);
    return run;
  }

  cancel(id: number): MatchRunRow {
    const run = this.get(id);
    if (!this.deps.runs.cancel(id))
      throw new AppError(
        'conflict',
        `match run ${id} is ${run.status}; only a running run can be cancelled`,
        {
          status: run.status,
        },
      );
    this.deps.log.info({ runId: id }, 'match run cancelled');
    return this.get(id);
  }

  /** The `rematch-chunk` handler. */
  chunkHandler() {
    return async (p: JobPayload<'rematch-chunk'>, ctx: JobContext): Promise<void> => {
      try {
        await this.runChunk(p.runId, p.chunk, ctx);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        ctx.log.warn(
          { runId: p.runId, chunk: p.chunk, attempt: ctx.attempt, err: message },
          'rematch chunk failed',
        );
        if (ctx.isFinalAttempt) this.deps.runs.fail(p.runId, `chunk ${p.chunk}: ${message}`);
        throw err;
      }
    };
  }

  private async runChunk(runId: number, chunkNo: number, ctx: JobContext): Promise<void> {
    const { runs, indexes } = this.deps;
    const run = runs.get(runId);
    const chunk = runs.chunk(runId, chunkNo);
    // Cancelled, failed or finished runs and chunks already stored: nothing to do.
    if (run?.status !== 'running' || !chunk || chunk.status === 'done') return;
    const t0 = performance.now();
    const counter: Side = run.side === 'need' ? 'offer' : 'need';
    const { k, exact, ef, recallStride, chunkSize } = run.params;
    const weights = run.weights as RankingWeights;
    const hnsw = exact ? undefined : await indexes.hnsw(run.modelId, counter);
    const brute = exact || recallStride > 0 ? indexes.exact(run.modelId, counter) : undefined;
    const size = hnsw?.size ?? brute!.size;
    // The bonus features re-order, so they get a wider pool of dense candidates.
    const wanted = weights.industry > 0 || weights.region > 0 ? 2 * k : k;
    const queries = runs.queryListings(chunk.listingIds, run.modelId);
    const positions = new Map(chunk.listingIds.map((id, i) => [id, i]));

    /** Hits that stand for active listings, in score order. */
    const active = (hits: Hit[]): DenseCandidate[] => {
      const facts = indexes.facts(
        runId,
        run.modelId,
        counter,
        hits.map((h) => h.id),
      );
      return hits.flatMap((h) => {
        const f = facts.get(h.id);
        return f?.active ? [{ listing: f, dense: h.score }] : [];
      });
    };
    const searchOne = async (v: Float32Array, n: number): Promise<Hit[]> =>
      hnsw ? hnsw.search(v, n, Math.max(ef, n)) : (await brute!.searchMany([v], n))[0]!;

    // Over-fetch: closed listings and stale labels are dropped after the search. HNSW answers
    // one query at a time; brute force runs the whole chunk as matrix multiplies.
    // No margin when every label in the index stands for an active listing (the usual case).
    const margin = indexes.allActive(runId, run.modelId, counter, size) ? 0 : 10;
    const fetch = Math.min(size, wanted + margin);
    let firstHits: Hit[][];
    if (hnsw) {
      firstHits = [];
      for (let i = 0; i < queries.length; i++) {
        if (i > 0 && i % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
        firstHits.push(hnsw.search(queries[i]!.vector, fetch, Math.max(ef, fetch)));
      }
    } else {
      firstHits = await brute!.searchMany(
        queries.map((q) => q.vector),
        fetch,
      );
    }
    const tSearch = performance.now();
    const results: ChunkResult[] = [];
    const dense: DenseCandidate[][] = [];
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      let candidates = active(firstHits[i]!);
      // Too many closed listings among the hits: widen until enough or the index is spent.
      for (let n = fetch; candidates.length < wanted && n < size;) {
        n = Math.min(size, n * 2);
        candidates = active(await searchOne(q.vector, n));
      }
      dense.push(candidates);
      results.push({ queryId: q.id, pairs: rankPairsDense(q, candidates, k, weights) });
    }

    // recall@10 of the dense search itself on the sampled listings: the HNSW candidates against
    // brute force, both after dropping closed listings.
    let recallHits = 0;
    let recallTotal = 0;
    if (hnsw && brute && recallStride > 0) {
      const sampled = queries.flatMap((q, i) =>
        (chunkNo * chunkSize + (positions.get(q.id) ?? 0)) % recallStride === 0 ? [i] : [],
      );
      const truths = await brute.searchMany(
        sampled.map((i) => queries[i]!.vector),
        20,
      );
      sampled.forEach((qi, j) => {
        const truth = active(truths[j]!)
          .slice(0, 10)
          .map((c) => c.listing.id);
        // A run with k < 10 keeps fewer than 10: search 10 for the check.
        const mine =
          dense[qi]!.length >= 10 || dense[qi]!.length >= size
            ? dense[qi]!
            : active(
                hnsw.search(queries[qi]!.vector, Math.min(size, 10 + margin), Math.max(ef, 10)),
              );
        const got = new Set(mine.slice(0, 10).map((c) => c.listing.id));
        recallTotal += truth.length;
        recallHits += truth.filter((id) => got.has(id)).length;
      });
    }
    const tStore = performance.now();
    const workMs = tStore - t0;
    const outcome = runs.storeChunk(runId, chunkNo, results, { recallHits, recallTotal, workMs });
    const phases = {
      searchMs: Math.round(tSearch - t0),
      rankMs: Math.round(tStore - tSearch),
      storeMs: Math.round(performance.now() - tStore),
    };
    ctx.log.debug(
      {
        runId,
        chunk: chunkNo,
        listings: queries.length,
        ms: Math.round(workMs),
        ...phases,
        ...outcome,
      },
      'rematch chunk',
    );
    if (outcome.completedRun) {
      const done = runs.get(runId);
      this.deps.log.info({ runId, stats: done?.stats }, 'match run completed');
    }
  }
}
