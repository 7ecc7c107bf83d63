import { hnswParams, type Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { EmbeddingStore } from '../embedding/store.ts';
import { ExactIndex } from '../index/exact.ts';
import type { HnswIndex } from '../index/hnsw.ts';
import { VectorIndexRegistry } from '../index/registry.ts';
import type { Side } from '../listings/schemas.ts';
import type { Logger } from '../log.ts';
import type { CandidateFacts, RunRepo } from './repo.ts';

/** The API's own index registry, reused when a run is for the model it serves. */
export interface SharedIndex {
  modelId: string;
  registry: VectorIndexRegistry;
}

interface Catalog {
  runId: number;
  facts: Map<number, CandidateFacts>;
  maxLabel: number;
  /** Closed listings among the facts (counted once, when first asked). */
  inactive?: number;
}

/**
 * The vector indexes a rematch worker searches: one HNSW index per (model, side), opened through
 * the same `VectorIndexRegistry` the API uses (snapshot if still true to the database, else a
 * rebuild, then sync by row id), and brute-force indexes for exact runs and recall checks.
 * Opened lazily on a run's first chunk in this process and kept for the next runs.
 */
export class RematchIndexes {
  private readonly registries = new Map<string, Promise<VectorIndexRegistry>>();
  private readonly exacts = new Map<string, { maxId: number; count: number; index: ExactIndex }>();
  private readonly catalogs = new Map<string, Catalog>();

  constructor(
    private readonly deps: {
      db: Db;
      store: EmbeddingStore;
      runs: RunRepo;
      config: Config;
      log: Logger;
      shared: () => SharedIndex | undefined;
    },
  ) {}

  /** The HNSW index of `side` for `modelId`, caught up with the database. */
  async hnsw(modelId: string, side: Side): Promise<HnswIndex> {
    const shared = this.deps.shared();
    if (shared?.modelId === modelId) {
      await shared.registry.sync();
      return shared.registry.get(side);
    }
    const key = `${modelId}|${side}`;
    let reg = this.registries.get(key);
    if (!reg) {
      reg = this.openRegistry(modelId, side);
      this.registries.set(key, reg);
      reg.catch(() => this.registries.delete(key));
    }
    const r = await reg;
    await r.sync();
    return r.get(side);
  }

  private async openRegistry(modelId: string, side: Side): Promise<VectorIndexRegistry> {
    const { config, db, store, runs, log } = this.deps;
    const dimension = runs.modelDimension(modelId);
    if (dimension === undefined) throw new Error(`no vectors stored for model ${modelId}`);
    const reg = new VectorIndexRegistry(
      db,
      store,
      modelId,
      dimension,
      hnswParams(config),
      config.indexDir,
      config.INDEX_SNAPSHOT_EVERY,
      log,
      [side],
    );
    await reg.open();
    return reg;
  }

  /** A brute-force index of `side` for `modelId`, rebuilt when the stored vectors changed. */
  exact(modelId: string, side: Side): ExactIndex {
    const { store } = this.deps;
    const key = `${modelId}|${side}`;
    const maxId = store.maxId(modelId, side);
    const count = store.count(modelId, side);
    const hit = this.exacts.get(key);
    if (hit && hit.maxId === maxId && hit.count === count) return hit.index;
    this.exacts.delete(key);
    const t0 = performance.now();
    const dimension = this.deps.runs.modelDimension(modelId) ?? 1;
    const index = new ExactIndex(dimension, count);
    let after = 0;
    for (;;) {
      const rows = store.after(modelId, side, after, 2000);
      for (const r of rows) if (index.size < count) index.add(r.id, r.vector);
      if (rows.length < 2000) break;
      after = rows[rows.length - 1]!.id;
    }
    this.exacts.set(key, { maxId, count, index });
    this.deps.log.info(
      { modelId, side, size: index.size, ms: Math.round(performance.now() - t0) },
      'exact index built',
    );
    return index;
  }

  /** Catalogs kept per process: a few runs may interleave their chunks. */
  private static readonly CATALOGS = 4;

  /**
   * The run's catalog of what each label of `side` stands for: read on the run's first chunk
   * in this process (so a run sees one consistent set of closed listings), then extended with
   * labels stored since.
   */
  private catalog(runId: number, modelId: string, side: Side, labels: number[]): Catalog {
    const key = `${runId}|${side}`;
    let c = this.catalogs.get(key);
    if (!c) {
      const facts = this.deps.runs.candidateFacts(modelId, side);
      let maxLabel = 0;
      for (const l of facts.keys()) if (l > maxLabel) maxLabel = l;
      c = { runId, facts, maxLabel };
      this.catalogs.set(key, c);
      while (this.catalogs.size > RematchIndexes.CATALOGS)
        this.catalogs.delete(this.catalogs.keys().next().value!);
    }
    const cat = c;
    if (labels.some((l) => l > cat.maxLabel)) {
      for (const [l, f] of this.deps.runs.candidateFacts(modelId, side, cat.maxLabel)) {
        cat.facts.set(l, f);
        if (!f.active && cat.inactive !== undefined) cat.inactive++;
        if (l > cat.maxLabel) cat.maxLabel = l;
      }
    }
    return cat;
  }

  /** What each of `labels` (and every label seen so far) stands for, for this run. */
  facts(runId: number, modelId: string, side: Side, labels: number[]): Map<number, CandidateFacts> {
    return this.catalog(runId, modelId, side, labels).facts;
  }

  /**
   * True when an index of `size` labels can hold only active listings: the run's catalog knows
   * that many labels and none is closed (a deleted listing's label would be an unknown one).
   */
  allActive(runId: number, modelId: string, side: Side, size: number): boolean {
    const c = this.catalog(runId, modelId, side, []);
    c.inactive ??= [...c.facts.values()].filter((f) => !f.active).length;
    return c.inactive === 0 && c.facts.size === size;
  }

  /** Writes the final snapshots of the indexes this process opened. */
  async close(): Promise<void> {
    for (const reg of this.registries.values()) {
      await reg
        .then((r) => r.close())
        .catch((err: unknown) => this.deps.log.warn({ err }, 'closing a rematch index failed'));
    }
    this.registries.clear();
    this.exacts.clear();
    this.catalogs.clear();
  }
}
