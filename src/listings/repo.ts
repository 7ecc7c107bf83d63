import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import {
  embeddings,
  listings,
  organisations,
  type ListingRow,
  type NewListingRow,
} from '../db/schema.ts';
import type { Side } from './schemas.ts';

export interface ListFilter {
  side: Side;
  status?: 'active' | 'closed';
  embeddingStatus?: 'pending' | 'ready' | 'failed';
  industry?: string;
  /** Prefix of the administrative code: "44" province, "4403" city, "440305" district. */
  regionPrefix?: string;
  organisationId?: string;
  source?: string;
  /** Return rows whose id sorts after this one (ids are time-ordered UUIDv7). */
  after?: string;
  limit: number;
}

/** Data access for listings. Synchronous: better-sqlite3 is, and transactions stay simple. */
export class ListingRepo {
  constructor(private readonly db: Db) {}

  get(id: string): ListingRow | undefined {
    return this.db.select().from(listings).where(eq(listings.id, id)).get();
  }

  findByImportKey(side: Side, source: string, externalId: string): ListingRow | undefined {
    return this.db
      .select()
      .from(listings)
      .where(
        and(
          eq(listings.side, side),
          eq(listings.source, source),
          eq(listings.externalId, externalId),
        ),
      )
      .get();
  }

  insert(row: NewListingRow): ListingRow {
    return this.db.insert(listings).values(row).returning().get();
  }

  /**
   * Updates a listing. When the embedded text changed, its old vector is deleted in the same
   * transaction, so no search can return the listing for text it no longer has.
   */
  update(
    id: string,
    patch: Partial<NewListingRow>,
    contentChanged: boolean,
  ): ListingRow | undefined {
    return this.db.transaction((tx) => {
      if (contentChanged) tx.delete(embeddings).where(eq(embeddings.listingId, id)).run();
      return tx.update(listings).set(patch).where(eq(listings.id, id)).returning().get();
    });
  }

  delete(id: string): boolean {
    return this.db.delete(listings).where(eq(listings.id, id)).run().changes > 0;
  }

  /** Runs `fn` in one transaction (bulk imports: all rows land or none). */
  transaction<T>(fn: () => T): T {
    return this.db.$client.transaction(fn)();
  }

  list(f: ListFilter): ListingRow[] {
    const where: SQL[] = [eq(listings.side, f.side)];
    if (f.status) where.push(eq(listings.status, f.status));
    if (f.embeddingStatus) where.push(eq(listings.embeddingStatus, f.embeddingStatus));
    if (f.industry) where.push(eq(listings.industry, f.industry));
    if (f.organisationId) where.push(eq(listings.organisationId, f.organisationId));
    if (f.source) where.push(eq(listings.source, f.source));
    if (f.regionPrefix) where.push(sql`${listings.regionCode} LIKE ${f.regionPrefix + '%'}`);
    if (f.after) where.push(gt(listings.id, f.after));
    return this.db
      .select()
      .from(listings)
      .where(and(...where))
      .orderBy(asc(listings.id))
      .limit(f.limit)
      .all();
  }

  /** Listings still waiting for a vector (re-enqueued at start-up and by the sweeper). */
  pending(limit: number, after = ''): { id: string; contentHash: string }[] {
    return this.db
      .select({ id: listings.id, contentHash: listings.contentHash })
      .from(listings)
      .where(and(eq(listings.embeddingStatus, 'pending'), gt(listings.id, after)))
      .orderBy(asc(listings.id))
      .limit(limit)
      .all();
  }

  /** Ready listings that lack a vector of this model (after a model change): back to pending. */
  resetMissingVectors(modelId: string): number {
    return this.db
      .update(listings)
      .set({ embeddingStatus: 'pending', embeddingError: null })
      .where(
        and(
          eq(listings.embeddingStatus, 'ready'),
          sql`NOT EXISTS (SELECT 1 FROM ${embeddings} e WHERE e.listing_id = ${listings.id} AND e.model_id = ${modelId})`,
        ),
      )
      .run().changes;
  }

  organisationExists(id: string): boolean {
    return (
      this.db
        .select({ id: organisations.id })
        .from(organisations)
        .where(eq(organisations.id, id))
        .get() !== undefined
    );
  }

  getMany(ids: string[]): ListingRow[] {
    if (ids.length === 0) return [];
    return this.db.select().from(listings).where(inArray(listings.id, ids)).all();
  }

  countByStatus(): Record<string, number> {
    const rows = this.db
      .select({ s: listings.embeddingStatus, n: sql<number>`count(*)` })
      .from(listings)
      .groupBy(listings.embeddingStatus)
      .all();
    return Object.fromEntries(rows.map((r) => [r.s, r.n]));
  }
}
