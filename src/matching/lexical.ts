import type { Db } from '../db/client.ts';
import type { Side } from '../listings/schemas.ts';
import { keyTerms, lexicalTokens } from './segment.ts';

/** The text parts that lexical search sees. */
export interface LexicalDoc {
  id: string;
  side: Side;
  title: string;
  description: string;
  keywords: string[];
  confidentiality?: 'public' | 'confidential';
}

/** The key terms a listing shows to others (see `LexicalIndex.terms`). */
export function publicTerms(d: LexicalDoc): string[] {
  const visible = d.confidentiality === 'confidential' ? '' : d.description;
  return [...keyTerms(`${d.title} ${d.keywords.join(' ')} ${visible}`)];
}

export interface LexicalHit {
  listingId: string;
  /** BM25 (higher is better; FTS5 reports it negated). */
  score: number;
}

const MAX_QUERY_TERMS = 96;

/**
 * SQLite FTS5 over segmented text. The repository calls `upsert`/`remove` inside its own
 * transactions, so the lexical index never disagrees with the rows. Title (with keywords) is
 * weighted over the body.
 */
export class LexicalIndex {
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly searchStmt;
  private readonly termCache = new Map<string, string[]>();

  constructor(
    private readonly db: Db,
    private readonly titleWeight = 2,
    private readonly bodyWeight = 1,
  ) {
    const c = db.$client;
    this.insertStmt = c.prepare(
      'INSERT INTO listings_fts (side, title, body, listing_id, terms) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteStmt = c.prepare('DELETE FROM listings_fts WHERE listing_id = ?');
    this.searchStmt = c.prepare(
      `SELECT listing_id AS listingId, -bm25(listings_fts, 0, ?, ?) AS score
         FROM listings_fts WHERE listings_fts MATCH ? ORDER BY bm25(listings_fts, 0, ?, ?) LIMIT ?`,
    );
  }

  upsert(d: LexicalDoc): void {
    this.deleteStmt.run(d.id);
    const title = lexicalTokens(`${d.title} ${d.keywords.join(' ')}`).join(' ');
    const body = lexicalTokens(d.description).join(' ');
    this.insertStmt.run(d.side, title, body, d.id, JSON.stringify(publicTerms(d)));
    this.termCache.delete(d.id);
  }

  /**
   * Key terms of listings (cached): what ranking compares and what reasons quote. For a
   * confidential listing they come from its title and keywords only, so no reason can leak
   * words of a description its owner did not publish.
   */
  terms(ids: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const missing: string[] = [];
    for (const id of ids) {
      const t = this.termCache.get(id);
      if (t) out.set(id, t);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 500) {
      const chunk = missing.slice(i, i + 500);
      const rows = this.db.$client
        .prepare(
          `SELECT listing_id AS id, terms FROM listings_fts WHERE listing_id IN (${chunk.map(() => '?').join(',')})`,
        )
        .all(...chunk) as { id: string; terms: string }[];
      for (const r of rows) {
        const t = JSON.parse(r.terms) as string[];
        out.set(r.id, t);
        if (this.termCache.size > 200_000) this.termCache.clear();
        this.termCache.set(r.id, t);
      }
    }
    return out;
  }

  remove(id: string): void {
    this.deleteStmt.run(id);
    this.termCache.delete(id);
  }

  /** Listings of `side` ranked by BM25 against the words of `text`. */
  search(side: Side, text: string, k: number): LexicalHit[] {
    const terms = queryTerms(text);
    if (terms.length === 0) return [];
    const match = `side:${side} AND (${terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ')})`;
    return this.searchStmt.all(
      this.titleWeight,
      this.bodyWeight,
      match,
      this.titleWeight,
      this.bodyWeight,
      k,
    ) as LexicalHit[];
  }

  /** Re-indexes every listing when the lexical index and the table disagree in size. */
  rebuildIfStale(all: () => Iterable<LexicalDoc>, count: number): boolean {
    const n = (
      this.db.$client.prepare('SELECT count(*) AS n FROM listings_fts').get() as { n: number }
    ).n;
    if (n === count) return false;
    this.db.$client.transaction(() => {
      this.db.$client.prepare('DELETE FROM listings_fts').run();
      for (const d of all()) this.upsert(d);
    })();
    return true;
  }
}

/** Distinct query words, longest first (they are the most specific), capped. */
function queryTerms(text: string): string[] {
  return [...new Set(lexicalTokens(text))]
    .sort((a, b) => b.length - a.length)
    .slice(0, MAX_QUERY_TERMS);
}
