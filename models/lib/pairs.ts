/**
 * Self-supervised (query, document) pairs mined from the structure of unlabelled corpus lines, for
 * contrastive training: a headline and its body, an English title and its Chinese summary, a news
 * title's keyword list and the title, a dictionary headword and its glosses, and the inverse cloze
 * task (one sentence against the rest of its document) for plain documents. No eval labels are used.
 */
import type { CorpusDoc } from './corpus.ts';
import { mulberry32 } from './linalg.ts';

/** One training pair as raw text, with the group it is batched in (pairs of one kind share batches). */
export interface TextPair {
  group: string;
  query: string;
  doc: string;
}

/** Splits after the first sentence end (。！？ or ". "), for `Headline。body` lines. */
function headAndBody(line: string): [string, string] | undefined {
  const m = /^(.{4,200}?)(?:[。！？!?]|\.\s)(.+)$/su.exec(line);
  if (!m?.[1] || !m[2]) return undefined;
  return [m[1], m[2]];
}

/** Sentences of a Chinese or English text (end punctuation kept with the sentence). */
function sentences(text: string): string[] {
  return (text.match(/[^。！？!?；;\n]+[。！？!?；;]?|[^.]+(?:\.\s|$)/gu) ?? [])
    .map((s) => s.trim())
    .filter((s) => s.length >= 6);
}

/** The pair-mining rule for each corpus file; files without one give no pairs. */
type Miner = (doc: CorpusDoc, rand: () => number, minSentences: number) => TextPair[];

const headline =
  (group: string): Miner =>
  (doc) => {
    const hb = headAndBody(doc.parts[0] ?? '');
    return hb && hb[1].length >= 10 ? [{ group, query: hb[0], doc: hb[1] }] : [];
  };

const aligned =
  (group: string): Miner =>
  (doc) => {
    const [a, b] = doc.parts;
    return a && b ? [{ group, query: a, doc: b }] : [];
  };

/**
 * Inverse cloze task (Lee et al. 2019): a random sentence is the query and the rest of the document
 * the positive; the first sentence is chosen more often because in these sources it summarises.
 */
const cloze =
  (group: string): Miner =>
  (doc, rand, minSentences) => {
    const ss = sentences(doc.parts[0] ?? '');
    if (ss.length < Math.max(2, minSentences)) return [];
    const i = rand() < 0.5 ? 0 : Math.floor(rand() * ss.length);
    const query = ss[i]!;
    const rest = ss.filter((_, j) => j !== i).join('');
    return [{ group, query, doc: rest }];
  };

/** `title keyword，keyword，…`: the keyword list is the query, the title the document. */
const newsKeywords: Miner = (doc) => {
  const line = doc.parts[0] ?? '';
  const cut = line.lastIndexOf(' ');
  if (cut < 4) return [];
  const title = line.slice(0, cut).trim();
  const keywords = line.slice(cut + 1).trim();
  return keywords.length >= 2 && title.length >= 6
    ? [{ group: 'tnews-kw', query: keywords, doc: title }]
    : [];
};

const MINERS: Record<string, Miner> = {
  'zh/zhibei_listings.txt': headline('zhibei'),
  'zh/clge_lcsts_news.txt': headline('lcsts'),
  'en/arxiv_cs_abstracts_en.txt': headline('arxiv-en'),
  'bilingual/arxiv_title_en__tldr_zh.txt': aligned('arxiv-bi'),
  'bilingual/ms_terminology_en_zh.txt': aligned('terms'),
  'bilingual/cc_cedict_zh_en.txt': aligned('cedict'),
  'zh/fewclue_tnews_titles.txt': newsKeywords,
  'zh/arxiv_cs_summaries_zh.txt': cloze('arxiv-zh'),
  'zh/arxiv_cs_summaries_zh.part2.txt': cloze('arxiv-zh'),
  'zh/csl_dev_abstracts.txt': cloze('csl-abs'),
  'zh/fewclue_iflytek_app_descriptions.txt': cloze('iflytek'),
};

/** Mines pairs from every document whose file has a rule; `seed` fixes the cloze choices. */
export function minePairs(
  docs: Iterable<CorpusDoc>,
  seed: number,
  skip: ReadonlySet<string> = new Set(),
  minClozeSentences = 3,
): TextPair[] {
  const rand = mulberry32(seed);
  const out: TextPair[] = [];
  for (const doc of docs) {
    const miner = MINERS[doc.source];
    if (!miner) continue;
    for (const p of miner(doc, rand, minClozeSentences)) if (!skip.has(p.group)) out.push(p);
  }
  return out;
}
