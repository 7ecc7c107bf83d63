import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, testEnv, waitFor, type TestService } from '../helpers/env.ts';

// Ranking behaviour through the HTTP API: real SQLite + FTS5, real tiny model, in-process jobs.
// The tiny model is random, so these tests pin filters, reasons, confidentiality and
// reciprocity — not quality (the eval benchmark measures that with the shipped model).
interface Match {
  id: string;
  score: number;
  description: string | null;
  components: Record<string, number>;
  reasons: { code: string; zh: string; en: string }[];
}

describe('ranking', () => {
  const t = testEnv();
  let s: TestService;
  const ids: Record<string, string> = {};
  let orgA = '';

  const post = async (url: string, body: object) => {
    const res = await s.inject({ method: 'POST', url, payload: body });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json<{ id: string }>().id;
  };
  const matches = async (url: string) => {
    const res = await s.inject({ url });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: Match[] }>().items;
  };

  beforeAll(async () => {
    s = await startService(t.env);
    orgA = await post('/v1/organisations', {
      name: '甲企业',
      kind: 'enterprise',
      regionCode: '440305',
    });
    const base = {
      description: '退役锂电池的检测分选与梯次利用，用于储能系统。',
      keywords: ['锂电池', '储能'],
    };
    ids.need = await post('/v1/needs', {
      title: '锂电池梯次利用技术',
      ...base,
      industry: '新能源',
      regionCode: '440305',
      maturity: 'sample',
      cooperationModes: ['transfer', 'license'],
      price: { max: 100 },
      organisationId: orgA,
    });
    ids.sameDistrict = await post('/v1/offers', {
      title: '锂电池梯次利用成套技术',
      ...base,
      industry: '新能源',
      regionCode: '440305',
      maturity: 'pilot',
      cooperationModes: ['license'],
      price: { min: 50, max: 80 },
    });
    ids.otherProvince = await post('/v1/offers', {
      title: '锂电池梯次利用检测技术',
      ...base,
      industry: '新能源',
      regionCode: '110108',
      maturity: 'concept',
      price: { min: 500 },
    });
    ids.ownOrg = await post('/v1/offers', {
      title: '锂电池梯次利用技术',
      ...base,
      organisationId: orgA,
    });
    ids.closed = await post('/v1/offers', {
      title: '锂电池梯次利用技术',
      ...base,
      status: 'closed',
    });
    ids.secret = await post('/v1/offers', {
      title: '储能电池管理',
      description: '钛合金秘方工艺 用于锂电池梯次利用与储能',
      confidentiality: 'confidential',
    });
    await waitFor(() => s.rt.repo.countByStatus().ready === 6, 20_000, 'all embedded');
    await waitFor(() => s.rt.index!.status().offer.size === 5);
  });
  afterAll(async () => {
    await s.close();
    t.cleanup();
  });

  it('never returns closed listings or the asking organisation’s own', async () => {
    const got = (await matches(`/v1/needs/${ids.need}/matches?limit=50`)).map((m) => m.id);
    expect(got).toContain(ids.sameDistrict);
    expect(got).not.toContain(ids.closed);
    expect(got).not.toContain(ids.ownOrg);
  });

  it('applies region, industry and minimum-maturity filters', async () => {
    const byRegion = (await matches(`/v1/needs/${ids.need}/matches?limit=50&region=4403`)).map(
      (m) => m.id,
    );
    expect(byRegion).toEqual([ids.sameDistrict]);
    const byProvince = (await matches(`/v1/needs/${ids.need}/matches?limit=50&region=11`)).map(
      (m) => m.id,
    );
    expect(byProvince).toEqual([ids.otherProvince]);
    const byMaturity = (
      await matches(`/v1/needs/${ids.need}/matches?limit=50&minMaturity=small_trial`)
    ).map((m) => m.id);
    expect(byMaturity).toEqual([ids.sameDistrict]);
    const byIndustry = (
      await matches(`/v1/needs/${ids.need}/matches?limit=50&industry=新能源`)
    ).map((m) => m.id);
    expect(new Set(byIndustry)).toEqual(new Set([ids.sameDistrict, ids.otherProvince]));
  });

  it('explains a match with component scores and bilingual reasons', async () => {
    const m = (await matches(`/v1/needs/${ids.need}/matches?limit=50`)).find(
      (x) => x.id === ids.sameDistrict,
    )!;
    const codes = m.reasons.map((r) => r.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'shared_terms',
        'industry',
        'region_district',
        'maturity_fit',
        'budget_fit',
        'cooperation',
      ]),
    );
    const shared = m.reasons.find((r) => r.code === 'shared_terms')!;
    expect(shared.zh).toMatch(/锂电池|梯次/);
    expect(shared.en).toMatch(/^shared key terms: /);
    for (const r of m.reasons) expect(r.zh.length > 0 && r.en.length > 0).toBe(true);
    expect(m.components.region).toBe(1);
    const far = (await matches(`/v1/needs/${ids.need}/matches?limit=50`)).find(
      (x) => x.id === ids.otherProvince,
    )!;
    expect(far.reasons.map((r) => r.code)).toEqual(
      expect.arrayContaining(['maturity_short', 'budget_over']),
    );
    expect(far.components.maturity).toBe(0);
  });

  it('never shows a confidential description, nor its words in reasons', async () => {
    const res = await s.inject({
      method: 'POST',
      url: '/v1/match',
      payload: { text: '钛合金秘方 锂电池 储能', side: 'offer', limit: 50 },
    });
    expect(res.statusCode).toBe(200);
    const hit = res.json<{ items: Match[] }>().items.find((m) => m.id === ids.secret);
    expect(hit).toBeDefined();
    expect(hit!.description).toBeNull();
    expect(res.body).not.toContain('秘方');
    expect(res.body).not.toContain('钛合金');
  });

  it('scores a pair the same from either side', async () => {
    const fromNeed = (await matches(`/v1/needs/${ids.need}/matches?limit=50`)).find(
      (m) => m.id === ids.sameDistrict,
    )!;
    const fromOffer = (await matches(`/v1/offers/${ids.sameDistrict}/matches?limit=50`)).find(
      (m) => m.id === ids.need,
    )!;
    expect(fromOffer.score).toBeCloseTo(fromNeed.score, 5);
    expect(fromOffer.components).toEqual(fromNeed.components);
    // Specificity reads both listings' hubness (each against the other's side): computed, not
    // the neutral value of a pair without vectors.
    expect(fromNeed.components.specificity).toBeGreaterThan(0);
    expect(fromNeed.components.specificity).toBeLessThan(1);
    expect(fromNeed.components.specificity).not.toBe(0.5);
  });

  it('takes weights per request, and rejects unknown features', async () => {
    const regionOnly = await matches(
      `/v1/needs/${ids.need}/matches?limit=50&weights=semantic=0,specificity=0,lexical=0,keywords=0,industry=0,region=1,maturity=0,budget=0,cooperation=0,freshness=0`,
    );
    expect(regionOnly[0]!.id).toBe(ids.sameDistrict);
    expect(regionOnly[0]!.score).toBe(1);
    const bad = await s.inject({ url: `/v1/needs/${ids.need}/matches?weights=charisma=1` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ code: string }>().code).toBe('validation_failed');
  });
});
