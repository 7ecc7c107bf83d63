/**
 * Reads the unlabelled training corpus (`../shared/data/corpus/`, one document per line) as
 * documents made of one or more aligned parts. Parts of one document (an English title and its
 * Chinese summary, a dictionary headword and its glosses) are one context for co-occurrence, which
 * is what puts English and Chinese words into a shared space.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One training document: its source file and its aligned parts (usually just one). */
export interface CorpusDoc {
  source: string;
  parts: string[];
}

type LineParser = (line: string) => string[] | undefined;

const single: LineParser = (line) => [line];
const tabPair: LineParser = (line) => {
  const [a, b] = line.split('\t');
  return a !== undefined && b !== undefined ? [a, b] : undefined;
};
/**
 * CC-CEDICT rows are `simplified ⇥ traditional ⇥ pinyin ⇥ glosses`; only the simplified headword
 * and the English glosses carry meaning for us. Bracketed pinyin and measure-word notes (`CL:`) are
 * noise in the glosses.
 */
const cedict: LineParser = (line) => {
  const cols = line.split('\t');
  const head = cols[0];
  const gloss = cols[3];
  if (head === undefined || gloss === undefined) return undefined;
  const clean = gloss
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/CL:[^;]*/g, ' ')
    .replace(/\b(variant of|old variant of|see also|abbr\. for|used in)\b/gi, ' ');
  return [head, clean];
};

/** The corpus files used for training and how each line is read. */
export const CORPUS_FILES: ReadonlyArray<{ file: string; parse: LineParser }> = [
  { file: 'zh/csl_dev_abstracts.txt', parse: single },
  { file: 'zh/zhibei_listings.txt', parse: single },
  { file: 'zh/csl_train_titles.txt', parse: single },
  { file: 'zh/fewclue_iflytek_app_descriptions.txt', parse: single },
  { file: 'zh/fewclue_tnews_titles.txt', parse: single },
  { file: 'zh/clge_lcsts_news.txt', parse: single },
  { file: 'zh/arxiv_cs_summaries_zh.txt', parse: single },
  { file: 'zh/arxiv_cs_summaries_zh.part2.txt', parse: single },
  { file: 'en/arxiv_cs_abstracts_en.txt', parse: single },
  { file: 'bilingual/arxiv_title_en__tldr_zh.txt', parse: tabPair },
  { file: 'bilingual/cc_cedict_zh_en.txt', parse: cedict },
  { file: 'bilingual/ms_terminology_en_zh.txt', parse: tabPair },
];

/** Yields every document of the corpus under `corpusDir`, in a fixed order (file list order, then line order). */
export function* readCorpus(corpusDir: string): Generator<CorpusDoc> {
  for (const { file, parse } of CORPUS_FILES) {
    const text = readFileSync(join(corpusDir, file), 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const parts = parse(line);
      if (parts) yield { source: file, parts };
    }
  }
}
