import type { Db } from '../db/client.ts';
import type { Side } from '../listings/schemas.ts';
import { CJK, keyTerms, lexicalTokens } from './segment.ts';

/** The text parts that lexical search sees. */
export interface LexicalDoc {
  id: string;
  side: Side;
  title: string;
  description: string;
  keywords: string[];
  confidentiality?: 'public' | 'confidential';
}

/** Term frequencies and length of one text's lexical tokens. */
export interface TermBag {
  tf: Map<string, number>;
  length: number;
  /** BM25 of the text against itself, memoised by `reciprocal`. */
  self?: number;
}

/**
 * Term counts for pair scoring. Of the Chinese tokens only the two-character ones count (every
 * bigram, plus two-character jieba words, which add weight to real words); longer words and
 * single characters are left to FTS5 retrieval. Over csl-dev (in memory) this scored need→offer
 * BM25 nDCG@10 0.830 on the low-overlap slice, against 0.819 with every token and 0.824 for
 * plain character bigrams.
 */
export function termBag(tokens: readonly string[]): TermBag {
  const tf = new Map<string, number>();
  let length = 0;
  for (const t of tokens) {
    if (t.length !== 2 && CJK.test(t)) continue;
    tf.set(t, (tf.get(t) ?? 0) + 1);
    length++;
  }
  return { tf, length };
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

const MAX_QUERY_TERMS = 24;
const BM25_K1 = 1.2;
const BM25_B = 0.75;
/** Terms in more than this share of listings match nearly everything and only cost time. */
const COMMON_FRACTION = 0.1;
/** Weight of "how much of the need the offer covers" in the reciprocal lexical score. */
const NEED_COVERAGE = 0.85;

/**
 * SQLite FTS5 over segmented text. The repository calls `upsert`/`remove` inside its own
 * transactions, so the lexical index never disagrees with the rows. Title (with keywords) is
 * weighted over the body.
 */
export class LexicalIndex {
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly searchStmt;
  private readonly tokenStmt;
  private readonly mapStmt;
  private readonly findStmt;
  private readonly termsStmt;
  private readonly unmapStmt;
  private readonly termCache = new Map<string, string[]>();
  private readonly tokenCache = new Map<string, TermBag>();
  private df: Map<string, number> | undefined;
  private docs = 0;
  /** idf by term, valid while (df, docs) is unchanged. */
  private readonly idfCache = new Map<string, [number, number]>();
  /** Total tokens over all listings (for the average length in BM25). */
  private totalTokens = 0;

  constructor(
    private readonly db: Db,
    private readonly titleWeight = 1,
    private readonly bodyWeight = 1,
  ) {
    const c = db.$client;
    this.mapStmt = c.prepare('INSERT INTO listing_lexical (listing_id, terms) VALUES (?, ?)');
    this.insertStmt = c.prepare(
      'INSERT INTO listings_fts (rowid, side, title, body) VALUES (?, ?, ?, ?)',
    );
    this.termsStmt = c.prepare(
      'SELECT listing_id AS id, terms FROM listing_lexical WHERE listing_id IN (SELECT value FROM json_each(?))',
    );
    this.findStmt = c.prepare('SELECT id FROM listing_lexical WHERE listing_id = ?');
    this.unmapStmt = c.prepare('DELETE FROM listing_lexical WHERE id = ?');
    this.deleteStmt = c.prepare('DELETE FROM listings_fts WHERE rowid = ?');
    this.tokenStmt = c.prepare(
      'SELECT f.title, f.body FROM listing_lexical l JOIN listings_fts f ON f.rowid = l.id WHERE l.listing_id = ?',
    );
    this.searchStmt = c.prepare(
      `SELECT l.listing_id AS listingId, -bm25(listings_fts, 0, ?, ?) AS score
         FROM listings_fts f JOIN listing_lexical l ON l.id = f.rowid
        WHERE listings_fts MATCH ? ORDER BY bm25(listings_fts, 0, ?, ?) LIMIT ?`,
    );
  }

  upsert(d: LexicalDoc): void {
    this.remove(d.id);
    const titleTokens = lexicalTokens(`${d.title} ${d.keywords.join(' ')}`);
    const bodyTokens = lexicalTokens(d.description);
    const rowid = this.mapStmt.run(d.id, JSON.stringify(publicTerms(d))).lastInsertRowid;
    this.insertStmt.run(rowid, d.side, titleTokens.join(' '), bodyTokens.join(' '));
    if (this.df) {
      this.docs++;
      this.totalTokens += titleTokens.length + bodyTokens.length;
      for (const t of new Set([...titleTokens, ...bodyTokens]))
        this.df.set(t, (this.df.get(t) ?? 0) + 1);
    }
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
    if (missing.length > 0) {
      const rows = this.termsStmt.all(JSON.stringify(missing)) as { id: string; terms: string }[];
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
    if (this.df) {
      const old = this.tokenStmt.get(id) as { title: string; body: string } | undefined;
      if (old) {
        this.docs--;
        this.totalTokens -= `${old.title} ${old.body}`.split(' ').filter(Boolean).length;
        for (const t of new Set(`${old.title} ${old.body}`.split(' '))) {
          const n = (this.df.get(t) ?? 1) - 1;
          if (n > 0) this.df.set(t, n);
          else this.df.delete(t);
        }
      }
    }
    const row = this.findStmt.get(id) as { id: number } | undefined;
    if (row) {
      this.deleteStmt.run(row.id);
      this.unmapStmt.run(row.id);
    }
    this.termCache.delete(id);
    this.tokenCache.delete(id);
  }

  /**
   * Document frequencies over all listings, loaded once from FTS5's vocabulary and then kept
   * up to date by this process's writes (other processes' writes drift it slightly: IDF only
   * needs to be roughly right).
   */
  private frequencies(): Map<string, number> {
    if (!this.df) {
      const c = this.db.$client;
      c.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS temp.listings_fts_vocab USING fts5vocab(main, 'listings_fts', 'row')`,
      );
      this.df = new Map();
      for (const r of c
        .prepare('SELECT term, doc FROM temp.listings_fts_vocab')
        .iterate() as Iterable<{ term: string; doc: number }>) {
        this.df.set(r.term, r.doc);
      }
      this.docs = (c.prepare('SELECT count(*) AS n FROM listings_fts').get() as { n: number }).n;
      this.totalTokens = (
        c.prepare('SELECT coalesce(sum(cnt), 0) AS n FROM temp.listings_fts_vocab').get() as {
          n: number;
        }
      ).n;
    }
    return this.df;
  }

  /** BM25's inverse document frequency of a term in this corpus. */
  idf(term: string): number {
    const df = this.frequencies().get(term) ?? 0;
    const key = df * 1e9 + this.docs;
    const hit = this.idfCache.get(term);
    if (hit && hit[0] === key) return hit[1];
    const v = Math.log(1 + (this.docs - df + 0.5) / (df + 0.5));
    if (this.idfCache.size > 500_000) this.idfCache.clear();
    this.idfCache.set(term, [key, v]);
    return v;
  }

  /** Term counts of listings' lexical tokens (words and bigrams), cached. */
  bags(ids: string[]): Map<string, TermBag> {
    const out = new Map<string, TermBag>();
    for (const id of ids) {
      let bag = this.tokenCache.get(id);
      if (!bag) {
        const r = this.tokenStmt.get(id) as { title: string; body: string } | undefined;
        if (!r) continue;
        bag = termBag(`${r.title} ${r.body}`.split(' ').filter(Boolean));
        if (this.tokenCache.size > 100_000) this.tokenCache.clear();
        this.tokenCache.set(id, bag);
      }
      out.set(id, bag);
    }
    return out;
  }

  /** BM25 of `query` terms against `doc` (k1 1.2, b 0.75), with this corpus's statistics. */
  bm25(query: TermBag, doc: TermBag): number {
    this.frequencies();
    const avgdl =
      this.docs > 0 ? Math.max(1, this.totalTokens / this.docs) : Math.max(1, doc.length);
    const norm = BM25_K1 * (1 - BM25_B + (BM25_B * doc.length) / avgdl);
    let s = 0;
    // Only shared terms count: walk the smaller bag, look up in the larger.
    const [small, large] = query.tf.size <= doc.tf.size ? [query.tf, doc.tf] : [doc.tf, query.tf];
    for (const t of small.keys()) {
      if (!large.has(t)) continue;
      const tf = doc.tf.get(t)!;
      s += (this.idf(t) * tf * (BM25_K1 + 1)) / (tf + norm);
    }
    return s;
  }

  /**
   * Reciprocal lexical similarity of a need and an offer, 0–1: BM25 each way, each divided by
   * the text's BM25 against itself (a perfect match is 1), then mixed with the need's coverage
   * weighted `NEED_COVERAGE`. The roles come from the pair, not from who asked, so the score is
   * the same from either side. The offer's coverage mostly measures how short the need is next
   * to the offer (offers describe a whole technology, needs one problem), so it counts less.
   */
  reciprocal(need: TermBag, offer: TermBag): number {
    need.self ??= this.bm25(need, need);
    offer.self ??= this.bm25(offer, offer);
    const needCovered = this.bm25(need, offer) / Math.max(1e-9, need.self);
    const offerCovered = this.bm25(offer, need) / Math.max(1e-9, offer.self);
    return (
      NEED_COVERAGE * Math.min(1, needCovered) + (1 - NEED_COVERAGE) * Math.min(1, offerCovered)
    );
  }

  /** Distinct words of a query text, rarest first, without the near-ubiquitous ones. */
  queryTerms(text: string): string[] {
    const df = this.frequencies();
    const common = Math.max(50, this.docs * COMMON_FRACTION);
    return [...new Set(lexicalTokens(text))]
      .filter((t) => (df.get(t) ?? 0) <= common)
      .sort((a, b) => this.idf(b) - this.idf(a))
      .slice(0, MAX_QUERY_TERMS);
  }

  /** Listings of `side` ranked by BM25 against the words of `text`. */
  search(side: Side, text: string, k: number): LexicalHit[] {
    const terms = this.queryTerms(text);
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
      this.db.$client.prepare('DELETE FROM listing_lexical').run();
      this.df = undefined;
      this.totalTokens = 0;
      this.termCache.clear();
      this.tokenCache.clear();
      for (const d of all()) this.upsert(d);
    })();
    return true;
  }
}
