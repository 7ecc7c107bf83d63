import { join } from 'node:path';
import type { Db } from '../db/client.ts';
import { embeddingSequence, type EmbeddingStore } from '../embedding/store.ts';
import type { Logger } from '../log.ts';
import type { Side } from '../listings/schemas.ts';
import { HnswIndex, slug, type HnswParams } from './hnsw.ts';

const SIDES: Side[] = ['need', 'offer'];
const SYNC_BATCH = 1000;

export interface IndexSideStatus {
  size: number;
  maxId: number;
  dbMaxId: number;
  inSync: boolean;
  loadedFrom: 'snapshot' | 'rebuild';
}

/**
 * One HNSW index per side for the active model: a cache derived from the database. It is opened
 * from a snapshot when that is still true to the database, else rebuilt from stored vectors,
 * and then follows new vectors by row id — whichever process stored them.
 */
export class VectorIndexRegistry {
  private readonly indexes = new Map<Side, HnswIndex>();
  private readonly loadedFrom = new Map<Side, 'snapshot' | 'rebuild'>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private changesSinceSnapshot = 0;

  constructor(
    private readonly db: Db,
    private readonly store: EmbeddingStore,
    private readonly modelId: string,
    private readonly dimension: number,
    private readonly params: HnswParams,
    private readonly dir: string,
    private readonly snapshotEvery: number,
    private readonly log: Logger,
  ) {}

  private file(side: Side): string {
    return join(this.dir, `${side}-${slug(this.modelId)}.hnsw`);
  }

  /** Loads or rebuilds both sides, then catches up with the database. */
  async open(): Promise<void> {
    for (const side of SIDES) {
      const t0 = performance.now();
      let idx = await HnswIndex.load(this.file(side), {
        modelId: this.modelId,
        side,
        dimension: this.dimension,
        params: this.params,
      });
      if (idx && !this.reconcile(side, idx)) idx = undefined;
      if (idx) {
        this.loadedFrom.set(side, 'snapshot');
      } else {
        idx = new HnswIndex(
          this.dimension,
          this.params,
          Math.max(1024, this.store.count(this.modelId, side) * 2),
        );
        this.loadedFrom.set(side, 'rebuild');
      }
      this.indexes.set(side, idx);
      await this.pull(side, idx);
      this.log.info(
        {
          side,
          from: this.loadedFrom.get(side),
          size: idx.size,
          ms: Math.round(performance.now() - t0),
        },
        'vector index opened',
      );
    }
  }

  /**
   * Checks a snapshot against the database: every vector it should hold is there, and it
   * does not claim ids the database never issued (a replaced database). Vectors deleted since
   * are dropped. Returns false when the snapshot must be rebuilt.
   */
  private reconcile(side: Side, idx: HnswIndex): boolean {
    if (idx.maxId > embeddingSequence(this.db)) return false;
    const expected = this.store.idsUpTo(this.modelId, side, idx.maxId);
    for (const id of expected) if (!idx.has(id)) return false;
    const present = new Set(expected);
    for (const id of idx.ids()) if (!present.has(id)) idx.remove(id);
    return true;
  }

  /** Adds every vector stored after the index's cursor, yielding between batches. */
  private async pull(side: Side, idx: HnswIndex): Promise<number> {
    let added = 0;
    for (;;) {
      const rows = this.store.after(this.modelId, side, idx.maxId, SYNC_BATCH);
      for (const r of rows) idx.add(r.id, r.vector);
      added += rows.length;
      if (rows.length < SYNC_BATCH) break;
      await new Promise((r) => setImmediate(r));
    }
    this.changesSinceSnapshot += added;
    return added;
  }

  /** Pulls new vectors into both sides; concurrent calls share one run (plus one follow-up). */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.syncAgain = false;
          for (const [side, idx] of this.indexes) await this.pull(side, idx);
        } while (this.syncAgain);
        if (this.changesSinceSnapshot >= this.snapshotEvery) await this.snapshot();
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Polls the database for vectors stored by other processes. */
  startSync(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sync().catch((err: unknown) => this.log.warn({ err }, 'index sync failed'));
    }, intervalMs);
    this.timer.unref();
  }

  get(side: Side): HnswIndex {
    const idx = this.indexes.get(side);
    if (!idx) throw new Error('vector index is not open');
    return idx;
  }

  /** Drops a label whose vector row no longer exists (found stale at query time). */
  forget(side: Side, id: number): void {
    this.indexes.get(side)?.remove(id);
  }

  status(): Record<Side, IndexSideStatus> {
    const out = {} as Record<Side, IndexSideStatus>;
    for (const side of SIDES) {
      const idx = this.indexes.get(side);
      const dbMaxId = this.store.maxId(this.modelId, side);
      out[side] = {
        size: idx?.size ?? 0,
        maxId: idx?.maxId ?? 0,
        dbMaxId,
        inSync: idx !== undefined && idx.maxId >= dbMaxId,
        loadedFrom: this.loadedFrom.get(side) ?? 'rebuild',
      };
    }
    return out;
  }

  /** Writes both sides' snapshots. */
  async snapshot(): Promise<void> {
    this.changesSinceSnapshot = 0;
    for (const [side, idx] of this.indexes) {
      const t0 = performance.now();
      await idx.save(this.file(side), { modelId: this.modelId, side });
      this.log.info(
        { side, size: idx.size, ms: Math.round(performance.now() - t0) },
        'index snapshot written',
      );
    }
  }

  /** Stops polling and writes a final snapshot. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.syncing;
    await this.sync();
    await this.snapshot();
  }
}
