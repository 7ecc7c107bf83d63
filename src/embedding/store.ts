import { and, asc, eq, gt, lte, max, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import {
  SLIM_LISTING_COLUMNS,
  toListingRow,
  type RawListing,
  type SlimListing,
} from '../db/listing-rows.ts';
import { embeddings, listings, type ListingRow } from '../db/schema.ts';
import type { Side } from '../listings/schemas.ts';

/** A stored vector as the index sees it: its row id is the index label. */
export interface StoredVector {
  id: number;
  listingId: string;
  vector: Float32Array;
}

/** Float32 vector <-> BLOB, little-endian as the machine writes it. */
export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function fromBlob(b: Buffer): Float32Array {
  // Copy: the Buffer may be a view into a pool that SQLite reuses.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** Vectors and their bookkeeping on the listing rows. */
export class EmbeddingStore {
  private readonly vectorsStmt;
  private readonly resolveStmt;

  constructor(private readonly db: Db) {
    // One prepared statement for any number of ids: the ids travel as one JSON array.
    this.vectorsStmt = db.$client.prepare(
      `SELECT id, listing_id AS listingId, vector FROM embeddings
        WHERE listing_id IN (SELECT value FROM json_each(?)) AND model_id = ?`,
    );
    this.resolveStmt = db.$client.prepare(
      `SELECT e.id AS eid, ${SLIM_LISTING_COLUMNS} FROM embeddings e JOIN listings l ON l.id = e.listing_id
        WHERE e.id IN (SELECT value FROM json_each(?))`,
    );
  }

  get(
    listingId: string,
    modelId: string,
  ): { id: number; contentHash: string; vector: Float32Array } | undefined {
    const r = this.db
      .select({ id: embeddings.id, contentHash: embeddings.contentHash, vector: embeddings.vector })
      .from(embeddings)
      .where(and(eq(embeddings.listingId, listingId), eq(embeddings.modelId, modelId)))
      .get();
    return r && { id: r.id, contentHash: r.contentHash, vector: fromBlob(r.vector) };
  }

  /**
   * Stores the vector of a listing's text, replacing any older one, and marks the listing
   * ready — only if the listing still has that text. Delete + insert gives the row a new,
   * higher id, which is how other processes' indexes notice the change.
   * Returns false when the listing is gone or its text changed meanwhile.
   */
  store(
    listingId: string,
    contentHash: string,
    modelId: string,
    vector: Float32Array,
    /** False while re-embedding into a model that is not active yet: the row's status is the active model's. */
    markReady = true,
  ): boolean {
    return this.db.transaction((tx) => {
      const row = tx
        .select({ side: listings.side, contentHash: listings.contentHash })
        .from(listings)
        .where(eq(listings.id, listingId))
        .get();
      if (!row || row.contentHash !== contentHash) return false;
      tx.delete(embeddings)
        .where(and(eq(embeddings.listingId, listingId), eq(embeddings.modelId, modelId)))
        .run();
      tx.insert(embeddings)
        .values({
          listingId,
          side: row.side,
          modelId,
          dimension: vector.length,
          contentHash,
          vector: toBlob(vector),
          createdAt: new Date(),
        })
        .run();
      if (markReady)
        tx.update(listings)
          .set({ embeddingStatus: 'ready', embeddingError: null })
          .where(and(eq(listings.id, listingId), eq(listings.contentHash, contentHash)))
          .run();
      return true;
    });
  }

  markReady(listingId: string, contentHash: string): void {
    this.db
      .update(listings)
      .set({ embeddingStatus: 'ready', embeddingError: null })
      .where(and(eq(listings.id, listingId), eq(listings.contentHash, contentHash)))
      .run();
  }

  markFailed(listingId: string, contentHash: string, error: string): void {
    this.db
      .update(listings)
      .set({ embeddingStatus: 'failed', embeddingError: error.slice(0, 1000) })
      .where(and(eq(listings.id, listingId), eq(listings.contentHash, contentHash)))
      .run();
  }

  /** Vectors (with their row ids) of several listings in one model, by listing id. */
  vectors(listingIds: string[], modelId: string): Map<string, StoredVector> {
    const rows = this.vectorsStmt.all(JSON.stringify(listingIds), modelId) as {
      id: number;
      listingId: string;
      vector: Buffer;
    }[];
    return new Map(
      rows.map((r) => [
        r.listingId,
        { id: r.id, listingId: r.listingId, vector: fromBlob(r.vector) },
      ]),
    );
  }

  /**
   * Listings (after `afterId`, by id) that lack a vector of `modelId` for their current text:
   * what a re-embed into that model still has to do.
   */
  missingFor(
    modelId: string,
    afterId: string,
    limit: number,
  ): { id: string; contentHash: string; row: ListingRow }[] {
    return this.db
      .select()
      .from(listings)
      .where(
        and(
          gt(listings.id, afterId),
          sql`NOT EXISTS (SELECT 1 FROM ${embeddings} e WHERE e.listing_id = ${listings.id} AND e.model_id = ${modelId} AND e.content_hash = ${listings.contentHash})`,
        ),
      )
      .orderBy(asc(listings.id))
      .limit(limit)
      .all()
      .map((row) => ({ id: row.id, contentHash: row.contentHash, row }));
  }

  /** Vectors of one side and model stored after `afterId`, oldest first (index sync). */
  after(modelId: string, side: Side, afterId: number, limit: number): StoredVector[] {
    return this.db
      .select({ id: embeddings.id, listingId: embeddings.listingId, vector: embeddings.vector })
      .from(embeddings)
      .where(
        and(eq(embeddings.modelId, modelId), eq(embeddings.side, side), gt(embeddings.id, afterId)),
      )
      .orderBy(asc(embeddings.id))
      .limit(limit)
      .all()
      .map((r) => ({ id: r.id, listingId: r.listingId, vector: fromBlob(r.vector) }));
  }

  /** Ids of the vectors of one side and model up to `maxId` (snapshot validation). */
  idsUpTo(modelId: string, side: Side, maxId: number): number[] {
    return this.db
      .select({ id: embeddings.id })
      .from(embeddings)
      .where(
        and(eq(embeddings.modelId, modelId), eq(embeddings.side, side), lte(embeddings.id, maxId)),
      )
      .all()
      .map((r) => r.id);
  }

  maxId(modelId: string, side: Side): number {
    const r = this.db
      .select({ m: max(embeddings.id) })
      .from(embeddings)
      .where(and(eq(embeddings.modelId, modelId), eq(embeddings.side, side)))
      .get();
    return r?.m ?? 0;
  }

  count(modelId: string, side: Side): number {
    const r = this.db
      .select({ n: sql<number>`count(*)` })
      .from(embeddings)
      .where(and(eq(embeddings.modelId, modelId), eq(embeddings.side, side)))
      .get();
    return r?.n ?? 0;
  }

  /** The listings (without descriptions) behind index labels whose vector row still exists. */
  resolve(ids: number[]): Map<number, SlimListing> {
    if (ids.length === 0) return new Map();
    const rows = this.resolveStmt.all(JSON.stringify(ids)) as (Omit<RawListing, 'description'> & {
      eid: number;
    })[];
    return new Map(rows.map(({ eid, ...r }) => [eid, toListingRow(r)]));
  }
}

/** The embeddings table's AUTOINCREMENT high-water mark: ids below it are never reused. */
export function embeddingSequence(db: Db): number {
  const r = db.$client
    .prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'embeddings'`)
    .get() as { seq: number } | undefined;
  return r?.seq ?? 0;
}
