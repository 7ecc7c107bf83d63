import { sql } from 'drizzle-orm';
import {
  blob,
  index,
  integer,
  primaryKey,
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

/** What a match run was asked to do; recorded so a run can be explained and repeated. */
export interface MatchRunParams {
  /** Top-k counterparts kept per listing. */
  k: number;
  /** Brute force instead of HNSW. */
  exact: boolean;
  /** HNSW search breadth (ignored when exact). */
  ef: number;
  /** Which listings of the run's side are matched (the counterparts are every active one). */
  filter: { industry?: string; region?: string };
  chunkSize: number;
  /** Every `recallStride`-th listing is also searched exactly, for recall@10 (0: none). */
  recallStride: number;
}

/**
 * A batch rematch: every (filtered) listing of one side against the other side's index for one
 * model. Progress counters live on this row and move in the same transaction as a chunk's
 * pairs, so the row is the truth about how far a run got, whichever process did the work.
 */
export const matchRuns = sqliteTable('match_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  status: text('status', { enum: ['running', 'completed', 'cancelled', 'failed'] }).notNull(),
  side: text('side', { enum: ['need', 'offer'] }).notNull(),
  modelId: text('model_id').notNull(),
  params: text('params', { mode: 'json' }).$type<MatchRunParams>().notNull(),
  weights: text('weights', { mode: 'json' }).$type<Record<string, number>>().notNull(),
  totalChunks: integer('total_chunks').notNull(),
  doneChunks: integer('done_chunks').notNull().default(0),
  totalListings: integer('total_listings').notNull(),
  doneListings: integer('done_listings').notNull().default(0),
  pairCount: integer('pair_count').notNull().default(0),
  /** recall@10 of HNSW against brute force on the sampled listings: hits / (10 × samples). */
  recallHits: integer('recall_hits').notNull().default(0),
  recallTotal: integer('recall_total').notNull().default(0),
  /** Busy time summed over chunks (ms): with `finishedAt - createdAt` it shows parallelism. */
  workMs: integer('work_ms').notNull().default(0),
  stats: text('stats', { mode: 'json' }).$type<Record<string, unknown>>(),
  error: text('error'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
});

/** The listings of each chunk, frozen when the run is created so a resumed chunk redoes the same set. */
export const matchRunChunks = sqliteTable(
  'match_run_chunks',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => matchRuns.id, { onDelete: 'cascade' }),
    chunk: integer('chunk').notNull(),
    listingIds: text('listing_ids', { mode: 'json' }).$type<string[]>().notNull(),
    status: text('status', { enum: ['pending', 'done'] }).notNull(),
    pairCount: integer('pair_count').notNull().default(0),
    doneAt: integer('done_at', { mode: 'timestamp_ms' }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.chunk] })],
);

/**
 * A run's ranked pairs. `queryId` is a listing of the run's side, `candidateId` one of the other
 * side. The key (run, query, rank) also makes (run, query, candidate) unique, since a chunk's
 * pairs are replaced as a whole (delete, then insert, in one transaction).
 */
export const matchRunPairs = sqliteTable(
  'match_run_pairs',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => matchRuns.id, { onDelete: 'cascade' }),
    queryId: text('query_id').notNull(),
    rank: integer('rank').notNull(),
    candidateId: text('candidate_id').notNull(),
    score: real('score').notNull(),
    reasons: text('reasons', { mode: 'json' }).$type<Record<string, number>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.queryId, t.rank] })],
);

/** One session of a fair: a day, a start time (local, in the fair's zone) and its slot count. */
export interface FairSession {
  date: string;
  start: string;
  slots: number;
}

/** A matchmaking fair: its sessions cut into equal slots, and its tables (or rooms). */
export const fairs = sqliteTable('fairs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull(),
  slotMinutes: integer('slot_minutes').notNull(),
  sessions: text('sessions', { mode: 'json' }).$type<FairSession[]>().notNull(),
  tables: integer('tables').notNull(),
  tableLabels: text('table_labels', { mode: 'json' }).$type<string[] | null>(),
  /** The schedule run currently published (participants' agendas come from it). */
  publishedRunId: integer('published_run_id'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/** An organisation registered at a fair, with its availability, cap and optional fixed table. */
export const fairParticipants = sqliteTable(
  'fair_participants',
  {
    id: text('id').primaryKey(),
    fairId: text('fair_id')
      .notNull()
      .references(() => fairs.id, { onDelete: 'cascade' }),
    organisationId: text('organisation_id')
      .notNull()
      .references(() => organisations.id),
    /** The listings it brings to the fair; null: all of the organisation's active listings. */
    listingIds: text('listing_ids', { mode: 'json' }).$type<string[] | null>(),
    available: text('available', { mode: 'json' }).$type<boolean[]>().notNull(),
    maxMeetings: integer('max_meetings').notNull(),
    /** 1-based table this participant hosts at, if any. */
    fixedTable: integer('fixed_table'),
    status: text('status', { enum: ['active', 'cancelled'] }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('fair_participants_org').on(t.fairId, t.organisationId)],
);

export type FairPreference = 'must' | 'want' | 'no';

/**
 * A pair of participants that may meet (a < b by id): from the shortlist, added by the
 * organiser, or named in a preference; the organiser's decision and each side's preference.
 */
export const fairPairs = sqliteTable(
  'fair_pairs',
  {
    fairId: text('fair_id')
      .notNull()
      .references(() => fairs.id, { onDelete: 'cascade' }),
    a: text('a').notNull(),
    b: text('b').notNull(),
    /** Ranker score of the best listing pair; null when not from the ranker. */
    score: real('score'),
    reasons: text('reasons', { mode: 'json' }).$type<unknown[]>().notNull(),
    /** The listing pair the score and reasons are about. */
    listings: text('listings', { mode: 'json' }).$type<string[] | null>(),
    origin: text('origin', { enum: ['shortlist', 'organiser', 'preference'] }).notNull(),
    decision: text('decision', { enum: ['pending', 'approved', 'rejected'] }).notNull(),
    prefA: text('pref_a', { enum: ['must', 'want', 'no'] }),
    prefB: text('pref_b', { enum: ['must', 'want', 'no'] }),
    /** A published meeting of this pair was cancelled: it is not scheduled again. */
    cancelled: integer('cancelled', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.fairId, t.a, t.b] })],
);

/**
 * A scheduling (or re-planning) run of a fair. The instance is frozen with the participant ids
 * and pair keys behind its indices, so a re-plan keeps old candidate indices and appends new ones.
 */
export const fairRuns = sqliteTable('fair_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  fairId: text('fair_id')
    .notNull()
    .references(() => fairs.id, { onDelete: 'cascade' }),
  kind: text('kind', { enum: ['schedule', 'replan'] }).notNull(),
  status: text('status', { enum: ['running', 'done', 'failed'] }).notNull(),
  /** For a re-plan: the published run it changes. */
  baseRunId: integer('base_run_id'),
  instance: text('instance', { mode: 'json' }).$type<unknown>().notNull(),
  participantIds: text('participant_ids', { mode: 'json' }).$type<string[]>().notNull(),
  candidatePairs: text('candidate_pairs', { mode: 'json' }).$type<[string, string][]>().notNull(),
  options: text('options', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  result: text('result', { mode: 'json' }).$type<unknown>(),
  error: text('error'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  publishedAt: integer('published_at', { mode: 'timestamp_ms' }),
});

/**
 * API keys. Only the SHA-256 of a key is stored (keys are 256 random bits); `shown` keeps its
 * first characters so people can tell keys apart. An enterprise key acts for one organisation.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'organiser', 'analyst', 'enterprise'] }).notNull(),
    organisationId: text('organisation_id').references(() => organisations.id),
    hash: text('hash').notNull(),
    shown: text('shown').notNull(),
    /** The key that created this one (null: bootstrap or CLI). */
    createdBy: text('created_by'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.hash)],
);

/** Service-wide settings that analysts change at run time (the active model). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<unknown>().notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

export type ListingRow = typeof listings.$inferSelect;
export type NewListingRow = typeof listings.$inferInsert;
export type EmbeddingRow = typeof embeddings.$inferSelect;
export type OrganisationRow = typeof organisations.$inferSelect;
export type MatchRunRow = typeof matchRuns.$inferSelect;
export type FairRow = typeof fairs.$inferSelect;
export type FairParticipantRow = typeof fairParticipants.$inferSelect;
export type FairPairRow = typeof fairPairs.$inferSelect;
export type FairRunRow = typeof fairRuns.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
