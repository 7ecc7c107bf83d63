import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE, testEnv, waitFor } from '../helpers/env.ts';
import {
  listeningPort,
  readAdminKey,
  startProcess,
  stop,
  type Proc,
} from '../helpers/processes.ts';

// The real thing: the API server and a separate worker process, BullMQ on the real Redis
// (own key prefix), SQLite shared through WAL, the tiny generated model, HTTP over a socket.
describe('server + separate worker over BullMQ', () => {
  const t = testEnv({
    QUEUE_MODE: 'bullmq',
    WORKER_IN_API: 'false',
    PORT: '0',
    LOG_LEVEL: 'info',
    JOB_LOCK_MS: '2000',
    QUEUE_PREFIX: `e2e-${randomBytes(6).toString('hex')}`,
  });
  const procs: Proc[] = [];
  afterAll(async () => {
    for (const p of procs) await stop(p, 'SIGKILL');
    t.cleanup();
  });
  const start = (entry: 'src/server.ts' | 'workers/embed-worker.ts') => {
    const p = startProcess(entry, t.env);
    procs.push(p);
    return p;
  };

  // Processes start, embed and get killed: bounded by its own waits, not by machine load.
  it(
    'posts listings, embeds them in the worker, serves matches; survives kill -9 of the worker mid-import',
    { timeout: 300_000 },
    async () => {
      const server = start('src/server.ts');
      const port = await waitFor(() => listeningPort(server), 60_000, 'server listening');
      const adminKey = readAdminKey(t.dataDir);
      const base = `http://127.0.0.1:${port}`;
      const call = async <T>(
        method: string,
        path: string,
        body?: unknown,
      ): Promise<{ status: number; body: T }> => {
        const res = await fetch(base + path, {
          method,
          headers: {
            authorization: `Bearer ${adminKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as T };
      };
      let worker = start('workers/embed-worker.ts');

      const offer = (await call<{ id: string }>('POST', '/v1/offers', SAMPLE.battery)).body.id;
      await call('POST', '/v1/offers', SAMPLE.water);
      const need = (await call<{ id: string }>('POST', '/v1/needs', SAMPLE.battery)).body.id;
      await waitFor(
        async () =>
          (await call<{ embeddingStatus: string }>('GET', `/v1/needs/${need}`)).body
            .embeddingStatus === 'ready',
        60_000,
        'need ready',
      );
      const matches = await waitFor(
        async () => {
          const r = await call<{ items: { id: string }[] }>(
            'GET',
            `/v1/needs/${need}/matches?limit=2`,
          );
          return r.status === 200 && r.body.items.length === 2 ? r.body : undefined;
        },
        30_000,
        'matches',
      );
      expect(matches.items[0]!.id).toBe(offer);

      // kill -9 the worker in the middle of a 2,000-listing bulk import, then start it again.
      const items = Array.from({ length: 2000 }, (_, i) => ({
        title: `批量导入技术 ${i}`,
        description: `第 ${i} 项技术的说明：${'材料能源信息生物制造'.slice(i % 5, (i % 5) + 4)}方向的应用。`,
        source: 'e2e',
        externalId: `k${i}`,
      }));
      for (let i = 0; i < 2000; i += 1000) {
        const r = await call<{ summary: { created: number } }>('POST', '/v1/offers/bulk', {
          items: items.slice(i, i + 1000),
        });
        expect(r.body.summary.created).toBe(1000);
      }
      const db = new Database(`${t.dataDir}/techmatch.sqlite`, { readonly: true });
      const readyCount = () =>
        (
          db
            .prepare(
              `SELECT count(*) n FROM listings WHERE source = 'e2e' AND embedding_status = 'ready'`,
            )
            .get() as { n: number }
        ).n;
      await waitFor(() => readyCount() >= 100, 60_000, 'some embedded');
      await stop(worker, 'SIGKILL');
      const atKill = readyCount();
      expect(atKill).toBeLessThan(2000);
      worker = start('workers/embed-worker.ts');
      await waitFor(() => readyCount() === 2000, 120_000, 'all 2000 ready');
      const perListing = db
        .prepare(
          `SELECT count(*) n, count(DISTINCT l.id) listings FROM embeddings e JOIN listings l ON l.id = e.listing_id WHERE l.source = 'e2e'`,
        )
        .get() as { n: number; listings: number };
      expect(perListing).toEqual({ n: 2000, listings: 2000 });
      db.close();
      // The API's index follows vectors stored by the other process.
      await waitFor(
        async () => {
          const r = await call<{ ready: boolean }>('GET', '/readyz');
          return r.status === 200 && r.body.ready;
        },
        30_000,
        'index in sync',
      );

      expect(await stop(worker)).toBe(0);
      expect(await stop(server)).toBe(0);
    },
  );
});
