import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import hnswlib from 'hnswlib-node';
import { sha256File } from '../embedding/model-manifest.ts';

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

/** What a snapshot must agree with before it is trusted. */
export interface SnapshotMeta {
  version: 1;
  modelId: string;
  side: string;
  dimension: number;
  count: number;
  /** Highest vector row id included: sync resumes after it. */
  maxId: number;
  /** Labels still in the file but marked deleted. */
  deleted: number[];
  params: HnswParams;
  sha256: string;
}

/**
 * An HNSW index (cosine) whose labels are vector row ids. Grows its capacity before it is full;
 * deletes are marks whose slots are reused by later inserts.
 */
export class HnswIndex {
  private index: hnswlib.HierarchicalNSW;
  private readonly live = new Set<number>();
  /** Highest row id added: the sync cursor. */
  maxId = 0;

  constructor(
    readonly dimension: number,
    private readonly params: HnswParams,
    capacity = 1024,
  ) {
    this.index = new hnswlib.HierarchicalNSW('cosine', dimension);
    this.index.initIndex({
      maxElements: capacity,
      m: params.m,
      efConstruction: params.efConstruction,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
    this.index.setEf(params.efSearch);
  }

  get size(): number {
    return this.live.size;
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  /** Adds (or replaces) a vector under its row id. */
  add(id: number, vector: Float32Array): void {
    if (vector.length !== this.dimension) {
      throw new Error(`vector of dimension ${vector.length} for an index of ${this.dimension}`);
    }
    if (this.live.has(id)) return;
    // Grow before full (at 90 % live), doubling so that inserts stay amortised O(1).
    if (this.live.size + 1 > this.index.getMaxElements() * 0.9) {
      this.index.resizeIndex(this.index.getMaxElements() * 2);
    }
    // Reuse a deleted slot when there is one, so updates do not grow the index forever.
    const hasDeleted = this.index.getCurrentCount() > this.live.size;
    this.index.addPoint(Array.from(vector), id, hasDeleted);
    this.live.add(id);
    if (id > this.maxId) this.maxId = id;
  }

  remove(id: number): void {
    if (!this.live.delete(id)) return;
    this.index.markDelete(id);
  }

  /** The k nearest live labels with cosine similarity, best first. */
  search(vector: Float32Array, k: number, ef?: number): { id: number; score: number }[] {
    const n = Math.min(k, this.live.size);
    if (n === 0) return [];
    if (ef !== undefined) this.index.setEf(Math.max(ef, n));
    else if (this.index.getEf() < n) this.index.setEf(n);
    const r = this.index.searchKnn(Array.from(vector), n);
    if (ef !== undefined) this.index.setEf(this.params.efSearch);
    return r.neighbors.map((id, i) => ({ id, score: 1 - r.distances[i]! }));
  }

  ids(): number[] {
    return [...this.live];
  }

  /** Writes the index and its metadata atomically (temp files, then rename). */
  async save(file: string, meta: Pick<SnapshotMeta, 'modelId' | 'side'>): Promise<SnapshotMeta> {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    this.index.writeIndexSync(tmp);
    const live = this.live;
    const full: SnapshotMeta = {
      version: 1,
      ...meta,
      deleted: this.index.getIdsList().filter((id) => !live.has(id)),
      dimension: this.dimension,
      count: this.live.size,
      maxId: this.maxId,
      params: this.params,
      sha256: await sha256File(tmp),
    };
    writeFileSync(`${tmp}.json`, JSON.stringify(full));
    renameSync(tmp, file);
    renameSync(`${tmp}.json`, `${file}.json`);
    return full;
  }

  /**
   * Loads a snapshot if its metadata and checksum match; returns undefined (and removes the
   * files) when it is missing, corrupt or for another model, so the caller rebuilds.
   */
  static async load(
    file: string,
    expect: { modelId: string; side: string; dimension: number; params: HnswParams },
  ): Promise<HnswIndex | undefined> {
    if (!existsSync(file) || !existsSync(`${file}.json`)) return undefined;
    try {
      const meta = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as SnapshotMeta;
      if (
        meta.version !== 1 ||
        meta.modelId !== expect.modelId ||
        meta.side !== expect.side ||
        meta.dimension !== expect.dimension ||
        meta.params.m !== expect.params.m ||
        (await sha256File(file)) !== meta.sha256
      ) {
        throw new Error('snapshot does not match');
      }
      const idx = new HnswIndex(expect.dimension, expect.params, 1);
      idx.index.readIndexSync(file, true);
      idx.index.setEf(expect.params.efSearch);
      const deleted = new Set(meta.deleted);
      for (const id of idx.index.getIdsList()) if (!deleted.has(id)) idx.live.add(id);
      if (idx.live.size !== meta.count) throw new Error('snapshot count mismatch');
      idx.maxId = meta.maxId;
      return idx;
    } catch {
      rmSync(file, { force: true });
      rmSync(`${file}.json`, { force: true });
      return undefined;
    }
  }
}

/** A file-name-safe form of a model id. */
export function slug(s: string): string {
  return (
    s.replace(/[^A-Za-z0-9._-]+/g, '_') +
    '-' +
    createHash('sha1').update(s).digest('hex').slice(0, 6)
  );
}
