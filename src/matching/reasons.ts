import type { SlimListing } from '../db/listing-rows.ts';
import type { ListingRow } from '../db/schema.ts';
import {
  budgetScore,
  cooperationScore,
  industryScore,
  keywordScore,
  maturityScore,
  regionScore,
  termOverlap,
  type Feature,
} from './features.ts';

/** A short, human reason for a match, in Chinese and English. */
export interface Reason {
  code: string;
  zh: string;
  en: string;
}

const MATURITY_ZH: Record<string, string> = {
  concept: '概念阶段',
  lab: '实验室阶段',
  sample: '已有样品',
  small_trial: '通过小试',
  pilot: '通过中试',
  production: '可以量产',
};
const COOP_ZH: Record<string, string> = {
  transfer: '技术转让',
  license: '技术许可',
  joint_development: '合作开发',
  commissioned: '委托开发',
  equity: '技术入股',
  consulting: '技术咨询',
  other: '其他',
};
const LEVEL: Record<string, [string, string]> = {
  district: ['同一区县', 'same district'],
  city: ['同一城市', 'same city'],
  province: ['同一省份', 'same province'],
};

/**
 * Reasons a person can check, strongest first. Terms quoted come only from what each side
 * shows others (`publicTerms`), so a confidential description never surfaces here.
 */
export function explain(
  query: ListingRow | undefined,
  cand: SlimListing,
  c: Record<Feature, number>,
  candTerms: string[],
  queryTerms: string[],
  idf: (t: string) => number,
): Reason[] {
  const out: Reason[] = [];
  if (c.semantic >= 0.5) {
    const s = c.semantic.toFixed(2);
    out.push({ code: 'semantic', zh: `文本语义相近（${s}）`, en: `similar in meaning (${s})` });
  }
  const shared = termOverlap(queryTerms, candTerms, idf).shared.slice(0, 5);
  if (shared.length > 0) {
    out.push({
      code: 'shared_terms',
      zh: `共同关键词：${shared.join('、')}`,
      en: `shared key terms: ${shared.join(', ')}`,
    });
  }
  if (!query) return out;
  const kw = keywordScore(query, cand).shared;
  if (kw.length > 0)
    out.push({
      code: 'shared_keywords',
      zh: `标注了相同关键词：${kw.join('、')}`,
      en: `same tagged keywords: ${kw.join(', ')}`,
    });
  const ind = industryScore(query, cand);
  if (ind === 1)
    out.push({
      code: 'industry',
      zh: `同属行业：${cand.industry}`,
      en: `same industry: ${cand.industry}`,
    });
  else if (ind > 0.5)
    out.push({
      code: 'industry_field',
      zh: `行业领域相同：${cand.industry}`,
      en: `same field: ${cand.industry}`,
    });
  const reg = regionScore(query, cand);
  if (reg.level) {
    const [zh, en] = LEVEL[reg.level]!;
    out.push({ code: `region_${reg.level}`, zh: `地域相近：${zh}`, en: `close by: ${en}` });
  }
  const offer = cand.side === 'offer' ? cand : query;
  const need = cand.side === 'need' ? cand : query;
  const mat = maturityScore(query, cand);
  if (mat === 1 && offer.maturity && need.maturity) {
    out.push({
      code: 'maturity_fit',
      zh: `成熟度满足要求：${MATURITY_ZH[offer.maturity] ?? offer.maturity}`,
      en: `maturity meets the need: ${offer.maturity}`,
    });
  } else if (mat === 0 && offer.maturity && need.maturity) {
    out.push({
      code: 'maturity_short',
      zh: `成熟度低于要求：${MATURITY_ZH[offer.maturity] ?? offer.maturity}`,
      en: `maturity below the need's minimum: ${offer.maturity}`,
    });
  }
  const bud = budgetScore(query, cand);
  if (
    bud === 1 &&
    (need.priceMax ?? need.priceMin) !== null &&
    (offer.priceMin ?? offer.priceMax) !== null
  ) {
    out.push({ code: 'budget_fit', zh: '报价在预算范围内', en: 'asking price within budget' });
  } else if (bud < 0.5) {
    out.push({ code: 'budget_over', zh: '报价高于预算', en: 'asking price above budget' });
  }
  const coop = cooperationScore(query, cand).shared;
  if (coop.length > 0) {
    out.push({
      code: 'cooperation',
      zh: `合作方式一致：${coop.map((m) => COOP_ZH[m] ?? m).join('、')}`,
      en: `cooperation mode in common: ${coop.join(', ')}`,
    });
  }
  return out;
}
