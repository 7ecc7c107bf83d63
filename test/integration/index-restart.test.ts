import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startService, testEnv, waitFor } from '../helpers/env.ts';

// Restarting the API: the index comes from its snapshot (no re-embedding) and answers the same;
// a corrupt snapshot is rebuilt from stored vectors. Real SQLite, real tiny model, in-process.
describe('vector index across restarts', () => {
  const t = testEnv();
  afterAll(() => t.cleanup());

  it('loads the snapshot, embeds nothing again, returns the same top-10; rebuilds a corrupt one', async () => {
    const words = [
      '电池',
      '储能',
      '光伏',
      '芯片',
      '传感器',
      '水处理',
      '机器人',
      '疫苗',
      '催化剂',
      '涂层',
    ];
    const mk = (i: number) => ({
      title: `${words[i % 10]}${words[(i * 3) % 10]}技术 ${i}`,
      description: `关于${words[(i * 7) % 10]}与${words[i % 10]}的第${i}项研究与应用`,
      source: 'restart',
      externalId: String(i),
    });
    const a = await startService(t.env);
    const offers = await a.inject({
      method: 'POST',
      url: '/v1/offers/bulk',
      payload: { items: Array.from({ length: 120 }, (_, i) => mk(i)) },
    });
    const needs = await a.inject({
      method: 'POST',
      url: '/v1/needs/bulk',
      payload: { items: Array.from({ length: 20 }, (_, i) => mk(i + 500)) },
    });
    expect(offers.statusCode).toBe(202);
    const needIds = needs.json<{ items: { id: string }[] }>().items.map((i) => i.id);
    await waitFor(() => a.rt.repo.countByStatus().ready === 140, 30_000, 'all embedded');
    await waitFor(() => a.rt.index!.status().offer.inSync && a.rt.index!.status().need.inSync);
    const top = async (s: typeof a) =>
      Promise.all(
        needIds.map(async (id) =>
          (await s.inject({ url: `/v1/needs/${id}/matches?limit=10` }))
            .json<{ items: { id: string }[] }>()
            .items.map((i) => i.id),
        ),
      );
    const before = await top(a);
    expect(before[0]).toHaveLength(10);
    await a.close();

    const vectorsBefore = a.rt.store; // closed; counts are read again below
    void vectorsBefore;
    const b = await startService(t.env);
    expect(b.rt.index!.status().offer.loadedFrom).toBe('snapshot');
    expect(b.rt.index!.status().offer.size).toBe(120);
    const maxIdBefore = b.rt.store.maxId(b.rt.embedder.model.id, 'offer');
    expect(await top(b)).toEqual(before);
    // Nothing was embedded again: no new vector rows.
    expect(b.rt.store.maxId(b.rt.embedder.model.id, 'offer')).toBe(maxIdBefore);
    await b.close();

    // Corrupt the snapshot: it must be rebuilt from the database, with the same answers.
    const dir = join(t.dataDir, 'index');
    for (const f of readdirSync(dir))
      if (f.endsWith('.hnsw')) writeFileSync(join(dir, f), 'garbage');
    const c = await startService(t.env);
    expect(c.rt.index!.status().offer.loadedFrom).toBe('rebuild');
    expect(c.rt.index!.status().offer.size).toBe(120);
    const after = await top(c);
    // HNSW is approximate: a rebuilt graph may order near-ties differently; the sets agree.
    after.forEach((ids, i) => expect(new Set(ids)).toEqual(new Set(before[i])));
    await c.close();
  });
});
