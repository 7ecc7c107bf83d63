import { sql } from 'drizzle-orm';
import {
  blob,
  index,
  integer,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** Enterprises, universities and institutes that own listings. */
export const organisations = sqliteTable('organisations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['enterprise', 'university', 'institute', 'other'] }).notNull(),
  regionCode: text('region_code'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * A technology need (技术需求) or offering (科技成果): one record type with a `side`, so matching
 * works in both directions over the same columns.
 */
export const listings = sqliteTable(
  'listings',
  {
    id: text('id').primaryKey(),
    side: text('side', { enum: ['need', 'offer'] }).notNull(),
    organisationId: text('organisation_id').references(() => organisations.id, {
      onDelete: 'set null',
    }),
    title: text('title').notNull(),
    description: text('description').notNull(),
    keywords: text('keywords', { mode: 'json' }).$type<string[]>().notNull(),
    industry: text('industry'),
    regionCode: text('region_code'),
    maturity: text('maturity'),
    cooperationModes: text('cooperation_modes', { mode: 'json' }).$type<string[]>().notNull(),
    /** Budget of a need or asking price of an offer, in 万元 (10,000 CNY). */
    priceMin: real('price_min'),
    priceMax: real('price_max'),
    ipType: text('ip_type'),
    confidentiality: text('confidentiality', { enum: ['public', 'confidential'] }).notNull(),
    status: text('status', { enum: ['active', 'closed'] }).notNull(),
    source: text('source'),
    externalId: text('external_id'),
    /** Hash of the text that is embedded: a change means a new vector is needed. */
    contentHash: text('content_hash').notNull(),
    embeddingStatus: text('embedding_status', { enum: ['pending', 'ready', 'failed'] }).notNull(),
    embeddingError: text('embedding_error'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('listings_side_source_external_id').on(t.side, t.source, t.externalId),
    index('listings_side_id').on(t.side, t.id),
    index('listings_embedding_status').on(t.embeddingStatus),
  ],
);

/**
 * One vector per listing and model. The integer id grows with every write, so the vector
 * index uses it as its label and any process can pull "everything after id N" to stay in sync;
 * a label whose row is gone is stale by construction.
 */
export const embeddings = sqliteTable(
  'embeddings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    listingId: text('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'cascade' }),
    side: text('side', { enum: ['need', 'offer'] }).notNull(),
    modelId: text('model_id').notNull(),
    dimension: integer('dimension').notNull(),
    contentHash: text('content_hash').notNull(),
    vector: blob('vector', { mode: 'buffer' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .default(sql`(unixepoch() * 1000)`),
  },
  (t) => [
    uniqueIndex('embeddings_listing_model').on(t.listingId, t.modelId),
    index('embeddings_model_side_id').on(t.modelId, t.side, t.id),
  ],
);

export type ListingRow = typeof listings.$inferSelect;
export type NewListingRow = typeof listings.$inferInsert;
export type EmbeddingRow = typeof embeddings.$inferSelect;
export type OrganisationRow = typeof organisations.$inferSelect;
