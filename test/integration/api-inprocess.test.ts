import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE, startService, testEnv, waitFor, type TestService } from '../helpers/env.ts';

// Real SQLite (own file), real tiny transformers.js model, in-process job transport,
// requests through Fastify's inject (the full HTTP pipeline without a socket).
describe('listings API with the in-process transport', () => {
  const t = testEnv();
  let s: TestService;

  beforeAll(async () => {
    s = await startService(t.env);
  });
  afterAll(async () => {
    await s.close();
    t.cleanup();
  });

  const post = (url: string, body: unknown) =>
    s.inject({ method: 'POST', url, payload: body as object });
  const get = (url: string) => s.inject({ method: 'GET', url });
  const ready = async (side: 'needs' | 'offers', id: string) =>
    waitFor(
      async () =>
        (await get(`/v1/${side}/${id}`)).json<{ embeddingStatus: string }>().embeddingStatus ===
        'ready',
      20_000,
      `${id} ready`,
    );

  it('accepts a need with 202 and embeds it in the background', async () => {
    const res = await post('/v1/needs', SAMPLE.battery);
    expect(res.statusCode).toBe(202);
    const body = res.json<{ id: string; embeddingStatus: string; side: string }>();
    expect(body.side).toBe('need');
    expect(['pending', 'ready']).toContain(body.embeddingStatus);
    await ready('needs', body.id);
    expect(s.rt.store.get(body.id, s.rt.embedder.model.id)?.vector.length).toBe(
      s.rt.embedder.model.dimension,
    );
  });

  it('ranks first the offer whose text equals the need, both ways', async () => {
    const offers = await Promise.all(
      [SAMPLE.water, SAMPLE.battery, SAMPLE.vision].map(
        async (o) => (await post('/v1/offers', o)).json<{ id: string }>().id,
      ),
    );
    const need = (await post('/v1/needs', SAMPLE.water)).json<{ id: string }>().id;
    for (const id of offers) await ready('offers', id);
    await ready('needs', need);
    const m = await waitFor(async () => {
      const r = (await get(`/v1/needs/${need}/matches?limit=3`)).json<{
        items: { id: string; score: number; components: { semantic: number; lexical: number } }[];
      }>();
      return r.items.length === 3 ? r : undefined;
    });
    expect(m.items[0]!.id).toBe(offers[0]);
    expect(m.items[0]!.components.semantic).toBeGreaterThan(0.999);
    expect(m.items[0]!.components.lexical).toBeGreaterThan(0.999);
    expect(m.items[0]!.score).toBeGreaterThanOrEqual(m.items[1]!.score);
    const back = (await get(`/v1/offers/${offers[0]}/matches?limit=1`)).json<{
      items: { id: string }[];
    }>();
    expect(back.items[0]!.id).toBe(need);
    const free = (
      await post('/v1/match', { text: `${SAMPLE.vision.title}`, side: 'offer', limit: 3 })
    ).json<{ items: { id: string }[] }>();
    expect(free.items.map((i) => i.id)).toContain(offers[2]);
  });

  it('answers 409 not_ready for matches of a listing that is not embedded yet', async () => {
    const id = (
      await post('/v1/needs', { title: '待嵌入', description: '尚未完成向量化的需求' })
    ).json<{ id: string }>().id;
    const res = await get(`/v1/needs/${id}/matches`);
    if (res.statusCode !== 200) {
      expect(res.statusCode).toBe(409);
      expect(res.json<{ code: string }>().code).toBe('not_ready');
    }
    await ready('needs', id);
  });

  it('never returns a deleted or re-written listing', async () => {
    const offer = (await post('/v1/offers', SAMPLE.vision)).json<{ id: string }>().id;
    const need = (await post('/v1/needs', SAMPLE.vision)).json<{ id: string }>().id;
    await ready('offers', offer);
    await ready('needs', need);
    const top = async () =>
      (await get(`/v1/needs/${need}/matches?limit=50`)).json<{
        items: { id: string; title: string }[];
      }>().items;
    await waitFor(async () => (await top()).some((i) => i.id === offer));
    // Rewrite the offer: until it is embedded again it must not be found for its old text.
    const patched = await s.inject({
      method: 'PATCH',
      url: `/v1/offers/${offer}`,
      payload: { title: '全新标题', description: '内容已经完全改写为另一项技术：生物发酵工艺。' },
    });
    expect(patched.statusCode).toBe(200);
    const afterPatch = await top();
    for (const i of afterPatch) if (i.id === offer) expect(i.title).toBe('全新标题');
    await ready('offers', offer);
    const del = await s.inject({ method: 'DELETE', url: `/v1/offers/${offer}` });
    expect(del.statusCode).toBe(204);
    expect((await top()).map((i) => i.id)).not.toContain(offer);
    expect((await get(`/v1/offers/${offer}`)).statusCode).toBe(404);
  });

  it('hides a confidential description from matches', async () => {
    const offer = (
      await post('/v1/offers', { ...SAMPLE.battery, confidentiality: 'confidential' })
    ).json<{ id: string }>().id;
    await ready('offers', offer);
    const r = (
      await post('/v1/match', { text: SAMPLE.battery.title, side: 'offer', limit: 20 })
    ).json<{
      items: { id: string; description: string | null }[];
    }>();
    const hit = r.items.find((i) => i.id === offer);
    expect(hit).toBeDefined();
    expect(hit!.description).toBeNull();
  });

  it('bulk import is idempotent by source+externalId and reports per item', async () => {
    const items = [
      { ...SAMPLE.battery, source: 'fair-2026', externalId: 'n-1' },
      { ...SAMPLE.water, source: 'fair-2026', externalId: 'n-2' },
      { title: 'x', description: 'y', unknownField: 1 },
      { title: '', description: 'empty title' },
    ];
    const first = await post('/v1/needs/bulk', { items });
    expect(first.statusCode).toBe(202);
    const r1 = first.json<{
      items: { status: string; id?: string; error?: { code: string; message: string } }[];
      summary: Record<string, number>;
    }>();
    expect(r1.items.map((i) => i.status)).toEqual(['created', 'created', 'error', 'error']);
    expect(r1.items[2]!.error!.message).toContain('unknownField');
    const second = (await post('/v1/needs/bulk', { items: items.slice(0, 2) })).json<{
      items: { status: string; id: string }[];
    }>();
    expect(second.items.map((i) => i.status)).toEqual(['unchanged', 'unchanged']);
    expect(second.items[0]!.id).toBe(r1.items[0]!.id);
    const third = (
      await post('/v1/needs/bulk', { items: [{ ...items[0], title: '新标题' }] })
    ).json<{ items: { status: string; id: string }[] }>();
    expect(third.items[0]).toMatchObject({ status: 'updated', id: r1.items[0]!.id });
    const list = (await get('/v1/needs?source=fair-2026')).json<{ items: unknown[] }>();
    expect(list.items).toHaveLength(2);
  });

  it('pages through a list with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (
          await post('/v1/offers', {
            title: `分页 ${i}`,
            description: '分页测试',
            source: 'page',
            externalId: `p${i}`,
          })
        ).json<{ id: string }>().id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page = (await get(`/v1/offers?source=page&limit=2${q}`)).json<{
        items: { id: string }[];
        nextCursor: string | null;
      }>();
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  describe('bad input gets a 4xx with a stable code, never a 5xx', () => {
    const cases: [string, () => ReturnType<typeof post>, number, string][] = [
      [
        'malformed JSON',
        () =>
          s.inject({
            method: 'POST',
            url: '/v1/needs',
            headers: { 'content-type': 'application/json' },
            payload: '{"title": ',
          }),
        400,
        'invalid_json',
      ],
      [
        'wrong type',
        () => post('/v1/needs', { title: 42, description: 'x' }),
        400,
        'validation_failed',
      ],
      [
        'unknown field',
        () => post('/v1/needs', { title: 't', description: 'd', colour: 'red' }),
        400,
        'validation_failed',
      ],
      ['missing field', () => post('/v1/needs', { title: 't' }), 400, 'validation_failed'],
      [
        'blank title',
        () => post('/v1/needs', { title: '   ', description: 'd' }),
        400,
        'validation_failed',
      ],
      [
        'oversize description',
        () => post('/v1/needs', { title: 't', description: '长'.repeat(20_000) }),
        400,
        'validation_failed',
      ],
      [
        'bad enum',
        () => post('/v1/offers', { title: 't', description: 'd', maturity: 'ripe' }),
        400,
        'validation_failed',
      ],
      [
        'bad region code',
        () => post('/v1/offers', { title: 't', description: 'd', regionCode: '12' }),
        400,
        'validation_failed',
      ],
      [
        'inverted price',
        () => post('/v1/offers', { title: 't', description: 'd', price: { min: 10, max: 1 } }),
        400,
        'validation_failed',
      ],
      [
        'unknown organisation',
        () =>
          post('/v1/offers', {
            title: 't',
            description: 'd',
            organisationId: '0190a0a0-0000-7000-8000-000000000000',
          }),
        400,
        'validation_failed',
      ],
      ['bad id', () => get('/v1/needs/not-an-id'), 400, 'invalid_id'],
      ['unknown id', () => get('/v1/needs/0190a0a0-0000-7000-8000-000000000000'), 404, 'not_found'],
      [
        'need id on the offers path',
        () => get('/v1/offers/0190a0a0-0000-7000-8000-000000000000/matches'),
        404,
        'not_found',
      ],
      ['limit out of range', () => get('/v1/needs?limit=100000'), 400, 'validation_failed'],
      ['empty bulk', () => post('/v1/needs/bulk', { items: [] }), 400, 'validation_failed'],
      [
        'too many bulk items',
        () => post('/v1/needs/bulk', { items: Array.from({ length: 1001 }, () => ({})) }),
        400,
        'validation_failed',
      ],
      [
        'empty PATCH',
        () =>
          s.inject({
            method: 'PATCH',
            url: '/v1/needs/0190a0a0-0000-7000-8000-000000000000',
            payload: {},
          }),
        400,
        'validation_failed',
      ],
      [
        'wrong content type',
        () =>
          s.inject({
            method: 'POST',
            url: '/v1/needs',
            headers: { 'content-type': 'text/plain' },
            payload: 'hi',
          }),
        415,
        'unsupported_media_type',
      ],
      ['unknown route', () => get('/v1/nothing'), 404, 'not_found'],
      [
        'match with no text',
        () => post('/v1/match', { text: '', side: 'offer' }),
        400,
        'validation_failed',
      ],
    ];
    it.each(cases)('%s', async (_name, send, status, code) => {
      const res = await send();
      expect(res.statusCode).toBe(status);
      expect(res.json<{ code: string }>().code).toBe(code);
    });

    it('a body over the size limit is 413 payload_too_large', async () => {
      const res = await post('/v1/needs/bulk', {
        items: [{ title: 't', description: 'x'.repeat(s.config.BODY_LIMIT_BYTES) }],
      });
      expect(res.statusCode).toBe(413);
      expect(res.json<{ code: string }>().code).toBe('payload_too_large');
    });
  });

  it('serves the OpenAPI document and health endpoints', async () => {
    const doc = (await get('/docs/json')).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/needs',
        '/v1/needs/bulk',
        '/v1/offers/{id}/matches',
        '/v1/match',
      ]),
    );
    expect((await get('/healthz')).statusCode).toBe(200);
    const ready = await waitFor(async () => {
      const r = await get('/readyz');
      return r.statusCode === 200
        ? r.json<{ checks: { queue: { transport: string } } }>()
        : undefined;
    });
    expect(ready.checks.queue.transport).toBe('inprocess');
  });
});
