import type { ListingRow } from '../db/schema.ts';
import type { Side } from '../listings/schemas.ts';

/** One ranked counterpart. */
export interface MatchItem {
  id: string;
  side: Side;
  score: number;
  title: string;
  /** Withheld (null) when the listing is confidential. */
  description: string | null;
  keywords: string[];
  industry: string | null;
  regionCode: string | null;
  maturity: string | null;
  organisationId: string | null;
}

export function other(side: Side): Side {
  return side === 'need' ? 'offer' : 'need';
}

/** What another party may see of a listing: a confidential description never leaves. */
export function publicView(l: ListingRow, score: number): MatchItem {
  return {
    id: l.id,
    side: l.side,
    score: Math.round(score * 1e6) / 1e6,
    title: l.title,
    description: l.confidentiality === 'confidential' ? null : l.description,
    keywords: l.keywords,
    industry: l.industry,
    regionCode: l.regionCode,
    maturity: l.maturity,
    organisationId: l.organisationId,
  };
}
