import type { ListingRow } from './schema.ts';

/** Columns of `listings` but the description, aliased to the row's property names. */
export const SLIM_LISTING_COLUMNS = `l.id, l.side, l.organisation_id AS organisationId, l.title,
  l.keywords, l.industry, l.region_code AS regionCode, l.maturity, l.cooperation_modes AS cooperationModes,
  l.price_min AS priceMin, l.price_max AS priceMax, l.ip_type AS ipType, l.confidentiality, l.status,
  l.source, l.external_id AS externalId, l.content_hash AS contentHash, l.embedding_status AS embeddingStatus,
  l.embedding_error AS embeddingError, l.created_at AS createdAt, l.updated_at AS updatedAt`;

/** Every column of `listings`. */
export const LISTING_COLUMNS = `${SLIM_LISTING_COLUMNS}, l.description`;

/** A listing without its description: enough to filter and score a candidate. */
export type SlimListing = Omit<ListingRow, 'description'>;

type RawListing = Omit<ListingRow, 'keywords' | 'cooperationModes' | 'createdAt' | 'updatedAt'> & {
  keywords: string;
  cooperationModes: string;
  createdAt: number;
  updatedAt: number;
};

/**
 * A raw `listings` row as drizzle would map it. The ranking hot path reads rows with prepared
 * statements: drizzle's per-row mapping cost more than the queries themselves.
 */
export function toListingRow<R extends Partial<RawListing>>(
  r: R & Omit<RawListing, 'description'>,
): Omit<R, 'keywords' | 'cooperationModes' | 'createdAt' | 'updatedAt'> & SlimListing {
  return {
    ...r,
    keywords: JSON.parse(r.keywords) as string[],
    cooperationModes: JSON.parse(r.cooperationModes) as string[],
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  };
}

export type { RawListing };
