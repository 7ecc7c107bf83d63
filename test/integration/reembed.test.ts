import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRandomBert, PRESETS } from '../../models/generate-random-bert.ts';
import { readActiveModel } from '../../src/embedding/active-model.ts';
import { readModelInfo } from '../../src/embedding/model-manifest.ts';
import { repoRoot } from '../../src/util/shared-data.ts';
import { startService, testEnv, waitFor, type TestService } from '../helpers/env.ts';

/** Runs `matchmaker ARGS` as a process, as an analyst would. */
function matchmaker(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/matchmaker.js'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((r) => child.on('exit', (code) => r({ code, out, err })));
}

// Real SQLite, two real generated models (same shape, different weights), the in-process
// transport; the reembed and rematch commands run as separate processes on the same database.
describe('a model change with matchmaker reembed', () => {
  const t = testEnv({ MODEL_CHECK_MS: '100' });
  let s: TestService;
  const modelB = join(t.dataDir, 'model-b');

  beforeAll(async () => {
    generateRandomBert(modelB, { ...PRESETS.tiny, seed: 11 }, 'tiny-b');
    s = await startService(t.env);
    const items = (side: string) =>
      Array.from({ length: 20 }, (_, i) => ({
        title: `${side} ${i} 技术`,
        description: `第 ${i} 项：${'电池废水视觉材料芯片医药农业'.slice(i % 7, (i % 7) + 3)}的${side}`,
        source: 't',
        externalId: `${side}${i}`,
      }));
    await s.inject({
      method: 'POST',
      url: '/v1/needs/bulk',
      payload: { items: items('need') },
    });
    await s.inject({
      method: 'POST',
      url: '/v1/offers/bulk',
      payload: { items: items('offer') },
    });
    await waitFor(() => s.rt.repo.countByStatus().ready === 40, 30_000, 'all embedded');
  });
  afterAll(async () => {
    await s.close();
    t.cleanup();
  });

  it('embeds every listing into the new model while the old one serves, then switches at once', async () => {
    const oldId = s.rt.embedder.model.id;
    const newId = (await readModelInfo(modelB)).id;
    expect(newId).not.toBe(oldId);
    const oldRun = (await s.inject({ method: 'POST', url: '/v1/runs', payload: { k: 5 } })).json<{
      id: number;
    }>().id;

    const r = await matchmaker(['reembed', '--model', modelB], t.env);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ model: newId, embedded: 40, switched: true });
    expect(readActiveModel(s.rt.db)?.id).toBe(newId);
    expect(s.rt.store.count(newId, 'need') + s.rt.store.count(newId, 'offer')).toBe(40);
    expect(s.rt.store.count(oldId, 'need') + s.rt.store.count(oldId, 'offer')).toBe(40);

    // The API switches by itself, then serves from the new model's index.
    await waitFor(() => s.rt.embedder.model.id === newId, 10_000, 'switch');
    const need = s.rt.repo.list({ side: 'need', limit: 1 })[0]!;
    const m = await s.inject({ url: `/v1/needs/${need.id}/matches?limit=3` });
    expect(m.statusCode).toBe(200);
    const ready = (await s.inject({ url: '/readyz' })).json<{
      checks: { model: { id: string } };
    }>();
    expect(ready.checks.model.id).toBe(newId);

    // A listing created after the switch is embedded with the new model.
    const late = (
      await s.inject({
        method: 'POST',
        url: '/v1/offers',
        payload: { title: '新成果', description: '切换模型之后提交的成果' },
      })
    ).json<{ id: string }>().id;
    await waitFor(
      () => s.rt.store.get(late, newId),
      10_000,
      'late listing embedded with the new model',
    );
    expect(s.rt.store.get(late, oldId)).toBeUndefined();

    // Runs on either model: the default is the active one, --model picks another.
    const newRun = (await s.inject({ method: 'POST', url: '/v1/runs', payload: { k: 5 } })).json<{
      id: number;
      modelId: string;
    }>();
    expect(newRun.modelId).toBe(newId);
    const cli = await matchmaker(['rematch', '--k', '5', '--model', oldId], {
      ...t.env,
      QUEUE_MODE: 'inprocess',
    });
    expect(cli.code, cli.err).toBe(0);
    const cliRun = JSON.parse(cli.out.trim().split('\n').pop()!) as { run: number; status: string };
    expect(cliRun.status).toBe('completed');
    const runs = await Promise.all(
      [oldRun, newRun.id, cliRun.run].map((id) =>
        waitFor(async () => {
          const x = (await s.inject({ url: `/v1/runs/${id}` })).json<{
            status: string;
            modelId: string;
          }>();
          return x.status === 'completed' ? x : undefined;
        }),
      ),
    );
    expect(runs.map((x) => x.modelId)).toEqual([oldId, newId, oldId]);
    // The old model's runs before and after the switch agree (the late offer has no old vector);
    // the new model ranks differently.
    const diff = async (a: number, b: number) =>
      (await s.inject({ url: `/v1/runs/${a}/diff/${b}` })).json<{
        summary: Record<string, number>;
      }>().summary;
    expect(await diff(oldRun, cliRun.run)).toEqual({
      new: 0,
      dropped: 0,
      moved: 0,
      unchanged: 100,
    });
    const changed = await diff(oldRun, newRun.id);
    expect(changed.new! + changed.moved!).toBeGreaterThan(0);
  });
});
