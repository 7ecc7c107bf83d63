import { sql } from 'drizzle-orm';
import type { Config } from './config.ts';
import { openDb, type Db } from './db/client.ts';
import { embedListingHandler } from './embedding/embed-job.ts';
import { TransformersEmbedder, type Embedder } from './embedding/embedder.ts';
import { readModelInfo } from './embedding/model-manifest.ts';
import { EmbeddingStore } from './embedding/store.ts';
import { VectorIndexRegistry } from './index/registry.ts';
import { ListingRepo } from './listings/repo.ts';
import { ListingService } from './listings/service.ts';
import type { Logger } from './log.ts';
import { MatchService } from './matching/match-service.ts';
import type { JobHandlers, JobQueue } from './queue/contract.ts';
import { createQueue } from './queue/index.ts';

/** Everything a process of the service holds, built once from config and closed in order. */
export interface Runtime {
  config: Config;
  log: Logger;
  db: Db;
  repo: ListingRepo;
  store: EmbeddingStore;
  queue: JobQueue;
  embedder: Embedder;
  /** Present in API processes; workers do not keep an index. */
  index?: VectorIndexRegistry;
  listings: ListingService;
  matches?: MatchService;
  /** Re-enqueues rows still pending (after a crash or a lost Redis). */
  sweepPending(): Promise<number>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Keep a vector index (API processes). */
  withIndex: boolean;
  /** Consume embedding jobs in this process. */
  runWorker: boolean;
}

/** Builds a runtime: opens the database, picks the job transport, loads the model and index. */
export async function createRuntime(
  config: Config,
  log: Logger,
  opts: RuntimeOptions,
): Promise<Runtime> {
  const db = openDb(config.databaseFile);
  const closers: (() => Promise<void>)[] = [];
  try {
    const repo = new ListingRepo(db);
    const store = new EmbeddingStore(db);
    const model = await readModelInfo(config.modelPath);
    const embedder = await TransformersEmbedder.load(model, {
      batchSize: config.EMBED_BATCH_SIZE,
      waitMs: config.EMBED_BATCH_WAIT_MS,
      maxChars: config.EMBED_MAX_TOKENS * 4,
    });
    closers.push(() => embedder.close());
    log.info(
      { model: model.id, dimension: model.dimension, dir: model.dir },
      'embedding model loaded',
    );

    // A model change leaves ready rows without a vector in the new space: embed them again
    // rather than mixing two spaces.
    const reset = repo.resetMissingVectors(model.id);
    if (reset > 0)
      log.warn(
        { count: reset, model: model.id },
        'listings without a vector of the active model set to pending',
      );

    const queue = await createQueue(config, log);
    closers.push(() => queue.close());

    let index: VectorIndexRegistry | undefined;
    if (opts.withIndex) {
      index = new VectorIndexRegistry(
        db,
        store,
        model.id,
        model.dimension,
        {
          m: config.HNSW_M,
          efConstruction: config.HNSW_EF_CONSTRUCTION,
          efSearch: config.HNSW_EF_SEARCH,
        },
        config.indexDir,
        config.INDEX_SNAPSHOT_EVERY,
        log,
      );
      await index.open();
      index.startSync(config.INDEX_SYNC_MS);
      const idx = index;
      closers.push(() => idx.close());
    }

    const listings = new ListingService(repo, queue, log);
    const handlers: JobHandlers = {
      'embed-listing': embedListingHandler({
        repo,
        store,
        embedder,
        // Same process: fold the new vector into the index now instead of at the next poll.
        onStored: index ? () => void index.sync().catch(() => undefined) : undefined,
      }),
    };
    if (opts.runWorker) await queue.startWorker(handlers);

    const sweepPending = async (): Promise<number> => {
      let after = '';
      let total = 0;
      for (;;) {
        const rows = repo.pending(1000, after);
        if (rows.length === 0) return total;
        await queue.enqueue(
          'embed-listing',
          rows.map((r) => ({ listingId: r.id, contentHash: r.contentHash })),
        );
        total += rows.length;
        after = rows[rows.length - 1]!.id;
      }
    };

    return {
      config,
      log,
      db,
      repo,
      store,
      queue,
      embedder,
      index,
      listings,
      matches: index ? new MatchService(store, index, embedder) : undefined,
      sweepPending,
      close: async () => {
        // Stop taking jobs and let running ones finish, then write the final index snapshot,
        // then release the model and the database.
        const steps: [string, (() => Promise<void>) | undefined][] = [
          ['queue', () => queue.close()],
          ['index', index ? () => index.close() : undefined],
          ['model', () => embedder.close()],
        ];
        for (const [name, step] of steps) {
          await step?.().catch((err: unknown) =>
            log.warn({ err, step: name }, 'error while closing'),
          );
        }
        db.$client.close();
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    db.$client.close();
    throw err;
  }
}

/** True when the database answers. */
export function dbAlive(db: Db): boolean {
  try {
    db.get(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
