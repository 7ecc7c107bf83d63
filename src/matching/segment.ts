import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

let jieba: Jieba | undefined;
function instance(): Jieba {
  // Loading the dictionary takes ~0.3 s: do it once, on first use, not at import.
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

/** A Chinese character (CJK unified ideographs and extension A). */
export const CJK = /[\u3400-\u9fff]/;
const WORDLIKE = /^[\p{L}\p{N}][\p{L}\p{N}._+#-]*$/u;
/** Function words that carry no topic; dropped from lexical matching and shared-term reasons. */
const STOP = new Set(
  '的 了 和 与 及 或 在 是 为 对 等 中 上 下 将 把 被 由 从 以 其 之 而 并 也 就 都 又 该 这 那 有 无 不 可 能 会 要 于 到 个 种 项 我们 本 进行 通过 可以 采用 实现 具有 一种 一个 基于 研究 方法 技术 问题 需要 需求 提供 包括 主要 相关 以及 如何 the a an of and or in on for to with by from is are be as at this that using based we our'.split(
    ' ',
  ),
);

/**
 * Words of a text for lexical matching: jieba's search-mode cut (long words and their parts,
 * so 锂离子电池 also matches 电池), lower-cased, punctuation and stop words dropped, plus the
 * character bigrams of every CJK run — they catch domain terms missing from jieba's dictionary.
 */
export function lexicalTokens(text: string): string[] {
  const out: string[] = [];
  for (const w of instance().cutForSearch(text, true)) {
    const t = w.trim().toLowerCase();
    if (t.length === 0 || !WORDLIKE.test(t) || STOP.has(t)) continue;
    if (t.length === 1 && !CJK.test(t)) continue;
    out.push(t);
  }
  for (const run of text.match(/[\u3400-\u9fff]{2,}/g) ?? []) {
    for (let i = 0; i + 2 <= run.length; i++) out.push(run.slice(i, i + 2));
  }
  return out;
}

/** Every Chinese character of a text (for `match`). */
const CJK_ALL = new RegExp(CJK.source, 'g');

/** Single-character function words, also dropped from `charTokens`. */
const STOP_CHARS = new Set([...STOP].filter((w) => w.length === 1 && CJK.test(w)));

/**
 * The Chinese characters of a text, in order, without single-character function words: the
 * units of the character-level score, which still sees that 补肾 and 肾虚 share 肾 when no word
 * or bigram is shared.
 */
export function charTokens(text: string): string[] {
  const out: string[] = [];
  for (const c of text.match(CJK_ALL) ?? []) if (!STOP_CHARS.has(c)) out.push(c);
  return out;
}

/** Distinct content words (no bigrams): what "shared key terms" are made of. */
export function keyTerms(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of instance().cut(text, true)) {
    const t = w.trim().toLowerCase();
    if (t.length < 2 || !WORDLIKE.test(t) || STOP.has(t)) continue;
    out.add(t);
  }
  return out;
}

let idfTable: Map<string, number> | undefined;
/** Inverse document frequency of a word, from jieba's general-domain table (unknown: rare). */
export function idf(term: string): number {
  if (!idfTable) {
    idfTable = new Map();
    const text = readFileSync(
      createRequire(import.meta.url).resolve('@node-rs/jieba/idf.txt'),
      'utf8',
    );
    for (const line of text.split('\n')) {
      const sp = line.lastIndexOf(' ');
      if (sp > 0) idfTable.set(line.slice(0, sp), Number(line.slice(sp + 1)));
    }
  }
  return idfTable.get(term) ?? UNKNOWN_IDF;
}
/** Words jieba's table lacks are mostly domain terms: treat them as fairly rare. */
const UNKNOWN_IDF = 12;
