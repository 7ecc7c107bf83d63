import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE, startService, testEnv, type TestService } from '../helpers/env.ts';

// Raw JSON text through the real app (inject sends the bytes as written), real SQLite.
describe('JSON bodies are valid by construction', () => {
  const t = testEnv();
  let s: TestService;
  beforeAll(async () => {
    s = await startService(t.env);
  });
  afterAll(async () => {
    await s.close();
    t.cleanup();
  });

  const post = (url: string, raw: string) =>
    s.inject({
      method: 'POST',
      url,
      payload: raw,
      headers: { 'content-type': 'application/json' },
    });
  const count = async () =>
    (await s.inject('/v1/needs?limit=500')).json<{ items: unknown[] }>().items.length;

  it('refuses numbers that overflow to Infinity, and stores nothing', async () => {
    const before = await count();
    const res = await post(
      '/v1/needs',
      `{"title":"高温合金","description":"需要耐高温合金材料","price":{"max":1e400}}`,
    );
    expect(res.statusCode).toBe(400);
    const err = res.json<{ code: string; message: string }>();
    expect(err.code).toBe('validation_failed');
    expect(err.message).toContain('body/price/max');
    expect(await count()).toBe(before);
    // The listing list still reads back.
    expect((await s.inject('/v1/needs')).statusCode).toBe(200);
  });

  it('refuses a lone surrogate instead of storing invalid UTF-8', async () => {
    const res = await post('/v1/needs', `{"title":"\\ud800","description":"正文"}`);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/surrogate/);
  });

  it('stores text as NFC with control characters removed and line breaks as \\n', async () => {
    const res = await post(
      '/v1/needs',
      JSON.stringify({
        title: 'Cafe\u0301 \u0007数据\u0000',
        description: `${SAMPLE.water.description}\r\n第二行`,
      }),
    );
    expect(res.statusCode).toBe(202);
    const l = res.json<{ title: string; description: string }>();
    expect(l.title).toBe('Café 数据');
    expect(l.description).toBe(`${SAMPLE.water.description}\n第二行`);
  });

  it('refuses deep nesting and prototype keys with a 400', async () => {
    const deep = `{"title":"x","description":"y","keywords":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const a = await post('/v1/needs', deep);
    expect(a.statusCode).toBe(400);
    const b = await post('/v1/needs', `{"title":"x","description":"y","__proto__":{"admin":true}}`);
    expect(b.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
