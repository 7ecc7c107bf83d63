import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, waitFor } from '../helpers/env.ts';
import {
  listeningPort,
  readAdminKey,
  startProcess,
  stop,
  type Proc,
} from '../helpers/processes.ts';

// The real thing: the API server and separate worker processes, BullMQ on the real Redis (own
// key prefix), SQLite shared through WAL, the tiny generated model, HTTP over a socket. A worker
// is killed with SIGKILL in the middle of a run; a new one finishes it.
describe('a match run survives kill -9 of its worker', () => {
  const t = testEnv({
    QUEUE_MODE: 'bullmq',
    WORKER_IN_API: 'false',
    PORT: '0',
    LOG_LEVEL: 'info',
    JOB_LOCK_MS: '2000',
    REMATCH_CHUNK_SIZE: '2',
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
  it('completes with exactly the pairs of an uninterrupted run', { timeout: 300_000 }, async () => {
    const server = start('src/server.ts');
    const port = await waitFor(() => listeningPort(server), 60_000, 'server listening');
    const adminKey = readAdminKey(t.dataDir);
    const call = async <T>(
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: T }> => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
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
    const words = [
      '电池',
      '废水',
      '视觉',
      '材料',
      '芯片',
      '医药',
      '农业',
      '机器人',
      '氢能',
      '传感器',
    ];
    const items = (side: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        title: `${side} ${i} ${words[i % 10]}`,
        description: `${words[(i * 3) % 10]}、${words[(i * 7 + 1) % 10]}与${words[(i * 9 + 2) % 10]}的第 ${i} 项技术 ${i * 7919}`,
        source: 'e2e',
        externalId: `${side}-${i}`,
      }));
    expect((await call('POST', '/v1/needs/bulk', { items: items('need', 800) })).status).toBe(202);
    expect((await call('POST', '/v1/offers/bulk', { items: items('offer', 400) })).status).toBe(
      202,
    );
    const db = new Database(`${t.dataDir}/techmatch.sqlite`, { readonly: true });
    const count = (q: string, ...args: unknown[]) =>
      (db.prepare(q).get(...args) as { n: number }).n;
    await waitFor(
      () => count(`SELECT count(*) n FROM listings WHERE embedding_status = 'ready'`) === 1200,
      120_000,
      'all embedded',
    );

    type RunBody = {
      id: number;
      status: string;
      progress: { doneChunks: number; totalChunks: number; pairs: number };
    };
    const finished = (id: number) =>
      waitFor(
        async () => {
          const r = (await call<RunBody>('GET', `/v1/runs/${id}`)).body;
          return r.status === 'running' ? undefined : r;
        },
        120_000,
        `run ${id} finished`,
      );

    // The reference: a run nobody interrupts.
    const a = await finished((await call<RunBody>('POST', '/v1/runs', { k: 10 })).body.id);
    expect(a).toMatchObject({
      status: 'completed',
      progress: { totalChunks: 400, doneChunks: 400, pairs: 8000 },
    });

    const b = (await call<RunBody>('POST', '/v1/runs', { k: 10 })).body.id;
    const done = () => count(`SELECT done_chunks n FROM match_runs WHERE id = ?`, b);
    await waitFor(() => done() >= 20, 60_000, 'some chunks of run b done');
    await stop(worker, 'SIGKILL');
    const atKill = done();
    expect(atKill).toBeLessThan(400);
    worker = start('workers/embed-worker.ts');
    const rb = await finished(b);
    expect(rb).toMatchObject({ status: 'completed', progress: { doneChunks: 400, pairs: 8000 } });

    const diff = (
      await call<{ summary: Record<string, number> }>('GET', `/v1/runs/${a.id}/diff/${b}`)
    ).body;
    expect(diff.summary).toEqual({ new: 0, dropped: 0, moved: 0, unchanged: 8000 });
    const same = count(
      `SELECT count(*) n FROM match_run_pairs x JOIN match_run_pairs y
         ON y.run_id = ? AND y.query_id = x.query_id AND y.rank = x.rank AND y.candidate_id = x.candidate_id AND y.score = x.score
       WHERE x.run_id = ?`,
      b,
      a.id,
    );
    expect(same).toBe(8000);
    expect(count(`SELECT count(*) n FROM match_run_pairs WHERE run_id = ?`, b)).toBe(8000);
    expect(
      count(
        `SELECT count(DISTINCT query_id || candidate_id) n FROM match_run_pairs WHERE run_id = ?`,
        b,
      ),
    ).toBe(8000);
    db.close();

    expect(await stop(worker)).toBe(0);
    expect(await stop(server)).toBe(0);
  });
});
