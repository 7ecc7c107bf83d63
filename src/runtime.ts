import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { bootstrapAdmin } from './auth/bootstrap.ts';
import { KeyRepo } from './auth/keys.ts';
import { hnswParams, type Config } from './config.ts';
import { openDb, type Db } from './db/client.ts';
import { readActiveModel, SwitchableEmbedder } from './embedding/active-model.ts';
import { embedListingHandler } from './embedding/embed-job.ts';
import { TransformersEmbedder, type Embedder } from './embedding/embedder.ts';
import { ensureModel } from './embedding/fallback-model.ts';
import { readModelInfo, type ModelInfo } from './embedding/model-manifest.ts';
import { EmbeddingStore } from './embedding/store.ts';
import { VectorIndexRegistry } from './index/registry.ts';
import { ListingRepo } from './listings/repo.ts';
import { LexicalIndex } from './matching/lexical.ts';
import { ListingService } from './listings/service.ts';
import type { Logger } from './log.ts';
import { Ranker } from './matching/ranker.ts';
import type { JobHandlers, JobQueue } from './queue/contract.ts';
import { createQueue } from './queue/index.ts';
import { RematchIndexes } from './rematch/indexes.ts';
import { RunRepo } from './rematch/repo.ts';
import { RematchService } from './rematch/service.ts';

/** Everything a process of the service holds, built once from config and closed in order. */
export interface Runtime {
  config: Config;
  log: Logger;
  db: Db;
  repo: ListingRepo;
  keys: KeyRepo;
  store: EmbeddingStore;
  queue: JobQueue;
  /** Always the active model's embedder (it follows a model switch). */
  embedder: Embedder;
  /** Present in API processes; workers do not keep an index. Replaced on a model switch. */
  index?: VectorIndexRegistry;
  listings: ListingService;
  ranker?: Ranker;
  runs: RunRepo;
  rematch: RematchService;
  /** The job handlers this process runs (or would run) on its queue. */
  handlers: JobHandlers;
  /** Re-enqueues rows still pending (after a crash or a lost Redis). */
  sweepPending(): Promise<number>;
  /** Switches to the active model recorded in the database if it changed; true if it did. */
  checkActiveModel(): Promise<boolean>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Keep a vector index (API processes). */
  withIndex: boolean;
  /** Consume embedding jobs in this process. */
  runWorker: boolean;
}

/**
 * The model to start with: the one `matchmaker reembed` switched to (recorded in the database),
 * else MODEL_PATH / the default.
 */
async function startModel(config: Config, db: Db, log: Logger): Promise<ModelInfo> {
  const active = readActiveModel(db);
  if (active && existsSync(join(active.dir, 'config.json'))) {
    const info = await readModelInfo(active.dir);
    if (info.id === active.id) return info;
    log.warn(
      { recorded: active, found: info.id },
      'the recorded active model changed on disk; using MODEL_PATH',
    );
  } else if (active) {
    log.warn(
      { recorded: active },
      'the recorded active model is not on this machine; using MODEL_PATH',
    );
  }
  await ensureModel(config, log);
  return readModelInfo(config.modelPath);
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
    const lexical = new LexicalIndex(db);
    const repo = new ListingRepo(db, lexical);
    if (lexical.rebuildIfStale(() => repo.iterateAll(), repo.count()))
      log.info('lexical index rebuilt');
    const store = new EmbeddingStore(db);
    const keys = new KeyRepo(db, config.ADMIN_API_KEY);
    bootstrapAdmin(
      keys,
      { dataDir: config.dataDir, envKeySet: config.ADMIN_API_KEY !== undefined },
      log,
    );
    const loadEmbedder = (m: ModelInfo) =>
      TransformersEmbedder.load(m, {
        batchSize: config.EMBED_BATCH_SIZE,
        waitMs: config.EMBED_BATCH_WAIT_MS,
        maxChars: config.EMBED_MAX_TOKENS * 4,
      });
    const model = await startModel(config, db, log);
    const embedder = new SwitchableEmbedder(await loadEmbedder(model));
    closers.push(() => embedder.close());
    log.info(
      { model: model.id, dimension: model.dimension, dir: model.dir },
      'embedding model loaded',
    );

    // A model change leaves ready rows without a vector in the new space: embed them again
    // rather than mixing two spaces.
    const resetMissing = (modelId: string): number => {
      const reset = repo.resetMissingVectors(modelId);
      if (reset > 0)
        log.warn(
          { count: reset, model: modelId },
          'listings without a vector of the active model set to pending',
        );
      return reset;
    };
    resetMissing(model.id);

    const queue = await createQueue(config, log);
    closers.push(() => queue.close());

    const openIndex = async (m: ModelInfo) => {
      const idx = new VectorIndexRegistry(
        db,
        store,
        m.id,
        m.dimension,
        hnswParams(config),
        config.indexDir,
        config.INDEX_SNAPSHOT_EVERY,
        log,
      );
      await idx.open();
      idx.startSync(config.INDEX_SYNC_MS);
      return idx;
    };
    const makeRanker = (index: VectorIndexRegistry) =>
      new Ranker({ store, index, lexical, repo, embedder, weights: config.rankWeights });
    const index0 = opts.withIndex ? await openIndex(model) : undefined;
    if (index0) closers.push(() => index0.close());

    const listings = new ListingService(repo, queue, log);
    const runs = new RunRepo(db);
    // Filled in below; the closures here read the runtime's current index and model.
    const holder: { rt?: Runtime } = {};
    const rematchIndexes = new RematchIndexes({
      db,
      store,
      runs,
      config,
      log,
      // Runs on the model this process serves search the API's own index instead of a copy.
      shared: () =>
        holder.rt?.index ? { modelId: embedder.model.id, registry: holder.rt.index } : undefined,
    });
    closers.push(() => rematchIndexes.close());
    const rematch = new RematchService({
      runs,
      queue,
      indexes: rematchIndexes,
      config,
      log,
      activeModelId: () => embedder.model.id,
    });
    const handlers: JobHandlers = {
      'rematch-chunk': rematch.chunkHandler(),
      'embed-listing': embedListingHandler({
        repo,
        store,
        embedder,
        // Same process: fold the new vector into the index now instead of at the next poll.
        onStored: opts.withIndex
          ? () => void holder.rt?.index?.sync().catch(() => undefined)
          : undefined,
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

    let switching: Promise<boolean> | undefined;
    /**
     * A model switch while serving: load the new model and open its index (from the snapshot
     * `reembed` left, or rebuilt) while the old ones keep answering, then swap both at once and
     * release the old ones.
     */
    const switchTo = async (next: ModelInfo): Promise<void> => {
      const t0 = performance.now();
      const nextEmbedder = await loadEmbedder(next);
      const nextIndex = opts.withIndex
        ? await openIndex(next).catch(async (err: unknown) => {
            await nextEmbedder.close();
            throw err;
          })
        : undefined;
      const rt = holder.rt!;
      const oldIndex = rt.index;
      const oldEmbedder = embedder.swap(nextEmbedder);
      rt.index = nextIndex;
      rt.ranker = nextIndex ? makeRanker(nextIndex) : undefined;
      log.info(
        { model: next.id, ms: Math.round(performance.now() - t0) },
        'switched to the new active model',
      );
      resetMissing(next.id);
      void sweepPending().catch((err: unknown) => log.warn({ err }, 'pending sweep failed'));
      // Let jobs that started on the old model finish before its session is released.
      setTimeout(() => {
        void oldEmbedder.close().catch(() => undefined);
        void oldIndex?.close().catch(() => undefined);
      }, 5000).unref();
    };
    const check = async (): Promise<boolean> => {
      const active = readActiveModel(db);
      if (!active || active.id === embedder.model.id) return false;
      const info = await readModelInfo(active.dir);
      if (info.id !== active.id) {
        log.warn(
          { recorded: active, found: info.id },
          'recorded active model differs on disk; not switching',
        );
        return false;
      }
      await switchTo(info);
      return true;
    };
    // One check at a time; `.finally` runs after the assignment, so a check that finishes
    // synchronously cannot leave a stale promise behind.
    const checkActiveModel = (): Promise<boolean> => {
      switching ??= check().finally(() => {
        switching = undefined;
      });
      return switching;
    };
    const modelWatch = setInterval(() => {
      checkActiveModel().catch((err: unknown) => log.warn({ err }, 'model switch failed'));
    }, config.MODEL_CHECK_MS);
    modelWatch.unref();

    const rt: Runtime = {
      config,
      log,
      db,
      repo,
      keys,
      store,
      queue,
      embedder,
      index: index0,
      listings,
      ranker: index0 ? makeRanker(index0) : undefined,
      runs,
      rematch,
      handlers,
      sweepPending,
      checkActiveModel,
      close: async () => {
        clearInterval(modelWatch);
        await switching?.catch(() => undefined);
        // Stop taking jobs and let running ones finish, then write the final index snapshot,
        // then release the model and the database.
        const index = rt.index;
        const steps: [string, (() => Promise<void>) | undefined][] = [
          ['queue', () => queue.close()],
          ['rematch indexes', () => rematchIndexes.close()],
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
    holder.rt = rt;
    return rt;
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
