import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/db/client.ts';
import { LexicalIndex, pairBags, type LexicalDoc } from '../../src/matching/lexical.ts';

// The lexical index on a real SQLite file with FTS5. Listing rows are not needed here: foreign
// keys are switched off so the index is tested alone.
describe('lexical index', () => {
  let dir: string;
  let db: Db;
  const doc = (id: string, side: 'need' | 'offer', title: string, description: string) =>
    ({ id, side, title, description, keywords: [] }) satisfies LexicalDoc;
  const docs = [
    doc('n1', 'need', '补肾活血', '老年高血压的中药治疗'),
    doc('o1', 'offer', '肾虚血瘀证', '临床观察'),
    doc('o2', 'offer', '钢铁冶炼', '转炉炼钢工艺'),
    doc('o3', 'offer', '水处理', '工业废水深度处理与回用'),
  ];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'techmatch-lexical-'));
    db = openDb(join(dir, 'db.sqlite'));
    db.$client.pragma('foreign_keys = OFF');
  });
  afterEach(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores shared characters when no word or bigram is shared', () => {
    const lex = new LexicalIndex(db);
    for (const d of docs) lex.upsert(d);
    const bags = lex.bags(['n1', 'o1', 'o2']);
    const need = bags.get('n1')!;
    // 补肾活血 / 肾虚血瘀: no common bigram, but 肾 and 血.
    expect(lex.bm25(need.words, bags.get('o1')!.words)).toBe(0);
    expect(lex.reciprocal(need, bags.get('o1')!)).toBeGreaterThan(0);
    expect(lex.reciprocal(need, bags.get('o2')!)).toBe(0);
    // A text against itself scores 1.
    expect(lex.reciprocal(need, need)).toBeCloseTo(1, 9);
  });

  it('keeps its statistics in step with writes: an index reopened on the file agrees', () => {
    const lex = new LexicalIndex(db);
    for (const d of docs) lex.upsert(d);
    // Load the statistics, then write: the in-memory figures must follow the writes.
    lex.reciprocal(pairBags('补肾'), pairBags('肾虚'));
    lex.upsert(doc('o1', 'offer', '肾虚血瘀证', '补肾活血汤的血管内皮功能研究'));
    lex.remove('o2');
    lex.upsert(doc('o4', 'offer', '肾病', '慢性肾病的血液透析'));
    const fresh = new LexicalIndex(db);
    const q = pairBags('补肾活血 中药');
    for (const id of ['o1', 'o3', 'o4']) {
      const a = lex.reciprocal(q, lex.bags([id]).get(id)!);
      const b = fresh.reciprocal(pairBags('补肾活血 中药'), fresh.bags([id]).get(id)!);
      expect(a).toBeCloseTo(b, 12);
    }
    expect(lex.bags(['o2']).size).toBe(0);
    expect(lex.idf('冶炼')).toBeCloseTo(fresh.idf('冶炼'), 12);
  });

  it('rebuilds when the character table is missing rows (a database from before it)', () => {
    const lex = new LexicalIndex(db);
    for (const d of docs) lex.upsert(d);
    db.$client.prepare('DELETE FROM listings_chars').run();
    const fresh = new LexicalIndex(db);
    expect(fresh.rebuildIfStale(() => docs, docs.length)).toBe(true);
    expect(fresh.rebuildIfStale(() => docs, docs.length)).toBe(false);
    const bags = fresh.bags(['n1', 'o1']);
    expect(bags.get('o1')!.chars.tf.get('肾')).toBe(1);
    expect(fresh.reciprocal(bags.get('n1')!, bags.get('o1')!)).toBeGreaterThan(0);
  });
});
