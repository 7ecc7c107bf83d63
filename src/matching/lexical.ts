import type { Db } from '../db/client.ts';
import type { Side } from '../listings/schemas.ts';
import { charTokens, CJK, keyTerms, lexicalTokens } from './segment.ts';

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
 * single characters have their own bag (`charBag`). Over csl-dev (in memory, b 0.75, before the
 * character bag) this scored need→offer BM25 nDCG@10 0.830 on the low-overlap slice, against
 * 0.819 with every token and 0.824 for plain character bigrams.
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

/** Character counts of a text (see `charTokens`). */
export function charBag(text: string): TermBag {
  return countBag(charTokens(text));
}

function countBag(tokens: readonly string[]): TermBag {
  const tf = new Map<string, number>();
  for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  return { tf, length: tokens.length };
}

/** What pair scoring compares: word/bigram counts and character counts. */
export interface PairBags {
  words: TermBag;
  chars: TermBag;
}

/** Both bags of a free text (a query that is not a stored listing). */
export function pairBags(text: string): PairBags {
  return { words: termBag(lexicalTokens(text)), chars: charBag(text) };
}

/** The text whose characters a listing is scored by: title, keywords and description. */
function charText(d: LexicalDoc): string {
  return `${d.title} ${d.keywords.join(' ')} ${d.description}`;
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
/**
 * Full length normalisation in pair scores (FTS5 retrieval keeps its 0.75): a long offer matches
 * many of a short need's words by chance, and over ../shared/data/eval b = 1 ranked better.
 */
const BM25_B = 1;
/** Terms in more than this share of listings match nearly everything and only cost time. */
const COMMON_FRACTION = 0.1;
/** Weight of "how much of the need the offer covers" in the reciprocal lexical score. */
const NEED_COVERAGE = 0.85;
/**
 * Share of the word/bigram score in the lexical score; the rest is the character score. Fitted
 * with the semantic weight on ../shared/data/eval (README, "Match quality"): characters alone
 * are noisy (many abstracts share 化, 学, 性), but they are what a low-overlap pair still shares.
 */
const WORD_SHARE = 0.36;

/**
 * Document frequencies and lengths of one FTS5 table's tokens, for BM25 between two texts (FTS5
 * only scores a MATCH query against the table). Loaded once from the table's vocabulary, then
 * kept up to date by this process's writes (other processes' writes drift it slightly: IDF only
 * needs to be roughly right).
 */
class TokenStats {
  private df: Map<string, number> | undefined;
  private docs = 0;
  /** Total tokens over all listings (for the average length in BM25). */
  private totalTokens = 0;
  /** idf by term, valid while (df, docs) is unchanged. */
  private readonly idfCache = new Map<string, [number, number]>();

  constructor(
    private readonly db: Db,
    private readonly table: 'listings_fts' | 'listings_chars',
  ) {}

  frequencies(): Map<string, number> {
    if (!this.df) {
      const c = this.db.$client;
      const vocab = `temp.${this.table}_vocab`;
      c.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS ${vocab} USING fts5vocab(main, '${this.table}', 'row')`,
      );
      this.df = new Map();
      for (const r of c.prepare(`SELECT term, doc FROM ${vocab}`).iterate() as Iterable<{
        term: string;
        doc: number;
      }>) {
        this.df.set(r.term, r.doc);
      }
      this.docs = (c.prepare(`SELECT count(*) AS n FROM ${this.table}`).get() as { n: number }).n;
      this.totalTokens = (
        c.prepare(`SELECT coalesce(sum(cnt), 0) AS n FROM ${vocab}`).get() as { n: number }
      ).n;
    }
    return this.df;
  }

  /** Whether the statistics are in memory (writes must then keep them up to date). */
  get loaded(): boolean {
    return this.df !== undefined;
  }

  get count(): number {
    this.frequencies();
    return this.docs;
  }

  /** A listing's tokens were added (`sign` 1) or removed (−1). */
  update(tokens: readonly string[], sign: 1 | -1): void {
    if (!this.df) return;
    this.docs += sign;
    this.totalTokens += sign * tokens.length;
    for (const t of new Set(tokens)) {
      const n = (this.df.get(t) ?? 0) + sign;
      if (n > 0) this.df.set(t, n);
      else this.df.delete(t);
    }
  }

  reset(): void {
    this.df = undefined;
    this.totalTokens = 0;
  }

  /** BM25's inverse document frequency of a term. */
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

  /** BM25 of `query` terms against `doc` (k1 1.2, b `BM25_B`). */
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
   * BM25 each way, each divided by the text's BM25 against itself (a perfect match is 1), mixed
   * with the need's coverage weighted `NEED_COVERAGE`.
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
}

/**
 * SQLite FTS5 over segmented text. The repository calls `upsert`/`remove` inside its own
 * transactions, so the lexical index never disagrees with the rows. Title (with keywords) is
 * weighted over the body. A second FTS5 table holds each listing's characters: never searched,
 * it gives the character statistics of the pair score.
 */
export class LexicalIndex {
  private readonly insertStmt;
  private readonly insertCharsStmt;
  private readonly deleteStmt;
  private readonly deleteCharsStmt;
  private readonly searchStmt;
  private readonly tokenStmt;
  private readonly mapStmt;
  private readonly findStmt;
  private readonly termsStmt;
  private readonly unmapStmt;
  private readonly termCache = new Map<string, string[]>();
  private readonly bagCache = new Map<string, PairBags>();
  private readonly words: TokenStats;
  private readonly chars: TokenStats;

  constructor(
    private readonly db: Db,
    private readonly titleWeight = 1,
    private readonly bodyWeight = 1,
  ) {
    const c = db.$client;
    this.words = new TokenStats(db, 'listings_fts');
    this.chars = new TokenStats(db, 'listings_chars');
    this.mapStmt = c.prepare('INSERT INTO listing_lexical (listing_id, terms) VALUES (?, ?)');
    this.insertStmt = c.prepare(
      'INSERT INTO listings_fts (rowid, side, title, body) VALUES (?, ?, ?, ?)',
    );
    this.insertCharsStmt = c.prepare('INSERT INTO listings_chars (rowid, chars) VALUES (?, ?)');
    this.termsStmt = c.prepare(
      'SELECT listing_id AS id, terms FROM listing_lexical WHERE listing_id IN (SELECT value FROM json_each(?))',
    );
    this.findStmt = c.prepare('SELECT id FROM listing_lexical WHERE listing_id = ?');
    this.unmapStmt = c.prepare('DELETE FROM listing_lexical WHERE id = ?');
    this.deleteStmt = c.prepare('DELETE FROM listings_fts WHERE rowid = ?');
    this.deleteCharsStmt = c.prepare('DELETE FROM listings_chars WHERE rowid = ?');
    this.tokenStmt = c.prepare(
      `SELECT f.title, f.body, coalesce(h.chars, '') AS chars
         FROM listing_lexical l JOIN listings_fts f ON f.rowid = l.id
         LEFT JOIN listings_chars h ON h.rowid = l.id
        WHERE l.listing_id = ?`,
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
    const chars = charTokens(charText(d));
    const rowid = this.mapStmt.run(d.id, JSON.stringify(publicTerms(d))).lastInsertRowid;
    this.insertStmt.run(rowid, d.side, titleTokens.join(' '), bodyTokens.join(' '));
    this.insertCharsStmt.run(rowid, chars.join(' '));
    this.words.update([...titleTokens, ...bodyTokens], 1);
    this.chars.update(chars, 1);
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
    const row = this.findStmt.get(id) as { id: number } | undefined;
    if (!row) return;
    // Old tokens are only needed to keep loaded statistics right: skip the read otherwise (every
    // upsert removes first, so this is on the ingest path).
    const old = this.words.loaded || this.chars.loaded ? this.stored(id) : undefined;
    if (old) {
      this.words.update(old.words, -1);
      this.chars.update(old.chars, -1);
    }
    this.deleteStmt.run(row.id);
    this.deleteCharsStmt.run(row.id);
    this.unmapStmt.run(row.id);
    this.termCache.delete(id);
    this.bagCache.delete(id);
  }

  /** A listing's stored word and character tokens. */
  private stored(id: string): { words: string[]; chars: string[] } | undefined {
    const r = this.tokenStmt.get(id) as { title: string; body: string; chars: string } | undefined;
    if (!r) return undefined;
    const split = (s: string) => s.split(' ').filter(Boolean);
    return { words: split(`${r.title} ${r.body}`), chars: split(r.chars) };
  }

  /** BM25's inverse document frequency of a word in this corpus. */
  idf(term: string): number {
    return this.words.idf(term);
  }

  /** Word and character counts of listings, cached. */
  bags(ids: string[]): Map<string, PairBags> {
    const out = new Map<string, PairBags>();
    for (const id of ids) {
      let bag = this.bagCache.get(id);
      if (!bag) {
        const s = this.stored(id);
        if (!s) continue;
        bag = { words: termBag(s.words), chars: countBag(s.chars) };
        if (this.bagCache.size > 100_000) this.bagCache.clear();
        this.bagCache.set(id, bag);
      }
      out.set(id, bag);
    }
    return out;
  }

  /** BM25 of `query` words against `doc` (k1 1.2, b `BM25_B`), with this corpus's statistics. */
  bm25(query: TermBag, doc: TermBag): number {
    return this.words.bm25(query, doc);
  }

  /**
   * Reciprocal lexical similarity of a need and an offer, 0–1: over words and bigrams and over
   * single characters (which still link 补肾 and 肾虚), each BM25 both ways divided by the text's
   * BM25 against itself (a perfect match is 1), the need's coverage weighted `NEED_COVERAGE`;
   * words count `WORD_SHARE`, characters the rest. The roles come from the pair, not from who
   * asked, so the score is the same from either side. The offer's coverage mostly measures how
   * short the need is next to the offer (offers describe a whole technology, needs one problem),
   * so it counts less.
   */
  reciprocal(need: PairBags, offer: PairBags): number {
    return (
      WORD_SHARE * this.words.reciprocal(need.words, offer.words) +
      (1 - WORD_SHARE) * this.chars.reciprocal(need.chars, offer.chars)
    );
  }

  /** Distinct words of a query text, rarest first, without the near-ubiquitous ones. */
  queryTerms(text: string): string[] {
    const df = this.words.frequencies();
    const common = Math.max(50, this.words.count * COMMON_FRACTION);
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

  /** Re-indexes every listing when either FTS table and the listings table disagree in size. */
  rebuildIfStale(all: () => Iterable<LexicalDoc>, count: number): boolean {
    const c = this.db.$client;
    const size = (t: string) =>
      (c.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    if (size('listings_fts') === count && size('listings_chars') === count) return false;
    c.transaction(() => {
      c.prepare('DELETE FROM listings_fts').run();
      c.prepare('DELETE FROM listings_chars').run();
      c.prepare('DELETE FROM listing_lexical').run();
      this.words.reset();
      this.chars.reset();
      this.termCache.clear();
      this.bagCache.clear();
      for (const d of all()) this.upsert(d);
    })();
    return true;
  }
}
