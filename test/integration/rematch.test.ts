import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, testEnv, waitFor, type TestService } from '../helpers/env.ts';

// Real SQLite (own file), the real tiny transformers.js model, the in-process transport and
// requests through Fastify's inject. The reference ranking is computed here by brute force
// from the stored vectors, independently of the code under test.
describe('match runs', () => {
  const t = testEnv({ REMATCH_CHUNK_SIZE: '7' });
  let s: TestService;
  const needIds: string[] = [];
  const offerIds: string[] = [];
  const topics = ['电池', '废水', '视觉', '材料', '芯片', '医药', '农业', '机器人'];

  const post = (url: string, body: unknown) =>
    s.inject({ method: 'POST', url, payload: body as object });
  const get = (url: string) => s.inject({ method: 'GET', url });

  beforeAll(async () => {
    s = await startService(t.env);
    const make = (side: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        title: `${side === 'need' ? '需求' : '成果'} ${i}：${topics[i % topics.length]}技术`,
        description: `${topics[(i * 3) % topics.length]}与${topics[(i * 5 + 1) % topics.length]}方向的第 ${i} 项${side}，编号 ${i * 7919}。`,
        industry: i % 2 === 0 ? 'energy' : 'environment',
        regionCode: i % 3 === 0 ? '440305' : '110105',
        source: 'test',
        externalId: `${side}-${i}`,
      }));
    const needs = (await post('/v1/needs/bulk', { items: make('need', 30) })).json<{
      items: { id: string }[];
    }>();
    const offers = (await post('/v1/offers/bulk', { items: make('offer', 45) })).json<{
      items: { id: string }[];
    }>();
    needIds.push(...needs.items.map((i) => i.id));
    offerIds.push(...offers.items.map((i) => i.id));
    await waitFor(() => s.rt.repo.countByStatus().ready === 75, 60_000, 'all embedded');
  });
  afterAll(async () => {
    await s.close();
    t.cleanup();
  });

  type RunBody = {
    id: number;
    status: string;
    progress: { doneChunks: number; totalChunks: number; pairs: number };
    recallAt10: number | null;
    stats: Record<string, unknown> | null;
  };
  const finished = async (id: number) =>
    waitFor(
      async () => {
        const r = (await get(`/v1/runs/${id}`)).json<RunBody>();
        return r.status !== 'running' ? r : undefined;
      },
      60_000,
      `run ${id} finished`,
    );
  const startRun = async (body: object) => {
    const res = await post('/v1/runs', body);
    expect(res.statusCode).toBe(202);
    return finished(res.json<RunBody>().id);
  };
  type Pair = { needId: string; offerId: string; rank: number; score: number };
  const pairsOf = async (id: number): Promise<Pair[]> =>
    (await get(`/v1/runs/${id}/pairs?limit=10000`)).json<{ items: Pair[] }>().items;

  /** Top-k offers of every need by brute-force cosine over the stored vectors. */
  const bruteForce = (k: number) => {
    const model = s.rt.embedder.model.id;
    const vec = (id: string) => s.rt.store.get(id, model)!.vector;
    const cos = (a: Float32Array, b: Float32Array) => {
      let d = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) {
        d += a[i]! * b[i]!;
        na += a[i]! ** 2;
        nb += b[i]! ** 2;
      }
      return d / Math.sqrt(na * nb);
    };
    const out: Pair[] = [];
    for (const n of needIds) {
      const scored = offerIds
        .filter((o) => s.rt.repo.get(o)?.status === 'active')
        .map((o) => ({ o, score: Math.round(cos(vec(n), vec(o)) * 1e6) / 1e6 }))
        .sort((a, b) => b.score - a.score || (a.o < b.o ? -1 : 1))
        .slice(0, k);
      scored.forEach((x, i) => out.push({ needId: n, offerId: x.o, rank: i + 1, score: x.score }));
    }
    return out;
  };
  const key = (p: Pair) => `${p.needId}|${p.offerId}|${p.rank}`;

  let first: RunBody;

  it('stores the top-k pairs of every need, equal to a brute-force computation', async () => {
    first = await startRun({ k: 5 });
    expect(first.status).toBe('completed');
    expect(first.progress).toMatchObject({ doneChunks: 5, totalChunks: 5, pairs: 150 });
    expect(first.recallAt10).toBe(1);
    const pairs = await pairsOf(first.id);
    const expected = bruteForce(5);
    expect(pairs.map(key).sort()).toEqual(expected.map(key).sort());
    for (const p of pairs) {
      const e = expected.find((x) => key(x) === key(p))!;
      expect(p.score).toBeCloseTo(e.score, 4);
    }
    const exact = await startRun({ k: 5, exact: true });
    expect((await pairsOf(exact.id)).map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('diffs two runs on the same data and parameters as empty', async () => {
    const again = await startRun({ k: 5 });
    const d = (await get(`/v1/runs/${first.id}/diff/${again.id}`)).json<{
      summary: Record<string, number>;
      items: unknown[];
    }>();
    expect(d.summary).toEqual({ new: 0, dropped: 0, moved: 0, unchanged: 150 });
    expect(d.items).toEqual([]);
  });

  it('lists the moved, new and dropped pairs after a weight or the data changes', async () => {
    const weighted = await startRun({ k: 5, weights: { industry: 0.5 } });
    const byWeight = (await get(`/v1/runs/${first.id}/diff/${weighted.id}`)).json<{
      summary: { new: number; moved: number; dropped: number };
    }>();
    expect(byWeight.summary.new + byWeight.summary.moved).toBeGreaterThan(0);

    // Close the offer ranked first for the first need: it must drop out everywhere it was.
    const before = await pairsOf(first.id);
    const top = before.find((p) => p.needId === needIds[0] && p.rank === 1)!;
    const patched = await s.inject({
      method: 'PATCH',
      url: `/v1/offers/${top.offerId}`,
      payload: { status: 'closed' },
    });
    expect(patched.statusCode).toBe(200);
    const after = await startRun({ k: 5 });
    const d = (await get(`/v1/runs/${first.id}/diff/${after.id}?limit=100000`)).json<{
      summary: { dropped: number; new: number; moved: number };
      items: {
        change: string;
        needId: string;
        offerId: string;
        rankA: number | null;
        rankB: number | null;
      }[];
    }>();
    const dropped = d.items.filter((i) => i.change === 'dropped');
    expect(dropped.every((i) => i.offerId === top.offerId)).toBe(true);
    expect(dropped.length).toBe(before.filter((p) => p.offerId === top.offerId).length);
    expect(d.summary.new).toBe(dropped.length);
    expect(
      d.items.some((i) => i.change === 'moved' && i.needId === needIds[0] && i.rankB! < i.rankA!),
    ).toBe(true);
    const expected = bruteForce(5);
    expect((await pairsOf(after.id)).map(key).sort()).toEqual(expected.map(key).sort());

    // The same diff as CSV and XLSX.
    const csv = await get(`/v1/runs/${first.id}/diff/${after.id}?format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      `change,need_id,need_title,offer_id,offer_title,rank_${first.id},rank_${after.id},score_${first.id},score_${after.id}`,
    );
    expect(lines.length - 1).toBe(d.items.length);
    const xlsx = await get(`/v1/runs/${first.id}/diff/${after.id}?format=xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.rowCount - 1).toBe(d.items.length);
  });

  it('escapes titles that a spreadsheet would run as formulas', async () => {
    const evil = (
      await post('/v1/offers', {
        title: '=HYPERLINK("http://x","y")',
        description: '恶意公式标题的成果说明',
      })
    ).json<{ id: string }>().id;
    await waitFor(() => s.rt.repo.get(evil)?.embeddingStatus === 'ready', 20_000, 'evil ready');
    const run = await startRun({ k: 45 });
    const csv = (await get(`/v1/runs/${run.id}/pairs?format=csv`)).body;
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csv).not.toMatch(/,=HYPERLINK/);
    const xlsx = await get(`/v1/runs/${run.id}/pairs?format=xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const titles = wb.worksheets[0]!.getColumn(4).values;
    expect(titles).toContain(`'=HYPERLINK("http://x","y")`);
  });

  it('cancels a run: chunks not yet stored are skipped', async () => {
    // Stop taking jobs so the run is certainly still running when it is cancelled.
    const q = s.rt.queue;
    await q.close();
    const res = await post('/v1/runs', { k: 5 });
    const id = res.json<{ id: number }>().id;
    const c = await post(`/v1/runs/${id}/cancel`, {});
    expect(c.statusCode).toBe(200);
    expect(c.json<{ status: string }>().status).toBe('cancelled');
    const again = await post(`/v1/runs/${id}/cancel`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json<{ code: string }>().code).toBe('conflict');
  });

  it('answers bad input with 4xx and a stable code', async () => {
    const cases: [string, string, object | undefined, number, string][] = [
      ['POST', '/v1/runs', { k: 0 }, 400, 'validation_failed'],
      ['POST', '/v1/runs', { side: 'both' }, 400, 'validation_failed'],
      ['POST', '/v1/runs', { colour: 'red' }, 400, 'validation_failed'],
      ['POST', '/v1/runs', { filter: { region: 'x' } }, 400, 'validation_failed'],
      ['POST', '/v1/runs', { weights: { dense: -1 } }, 400, 'validation_failed'],
      ['POST', '/v1/runs', { modelId: 'no-such-model@0' }, 400, 'unknown_model'],
      ['GET', '/v1/runs/abc', undefined, 400, 'invalid_id'],
      ['GET', '/v1/runs/99999', undefined, 404, 'not_found'],
      ['POST', '/v1/runs/99999/cancel', {}, 404, 'not_found'],
      ['GET', `/v1/runs/1/diff/99999`, undefined, 404, 'not_found'],
      ['GET', `/v1/runs/1/pairs?format=pdf`, undefined, 400, 'validation_failed'],
    ];
    for (const [method, url, body, status, code] of cases) {
      const res = await s.inject({
        method: method as 'GET',
        url,
        ...(body ? { payload: body } : {}),
      });
      expect([url, res.statusCode, res.json<{ code: string }>().code]).toEqual([url, status, code]);
    }
    const list = (await get('/v1/runs?limit=2')).json<{
      items: { id: number }[];
      nextCursor: number;
    }>();
    expect(list.items.length).toBe(2);
    expect(list.items[0]!.id).toBeGreaterThan(list.items[1]!.id);
  });
});
