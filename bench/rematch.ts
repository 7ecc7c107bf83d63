import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import hnswlib from 'hnswlib-node';
import { generateRandomBert, PRESETS } from '../models/generate-random-bert.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { openDb, type Db } from '../src/db/client.ts';
import { readModelInfo } from '../src/embedding/model-manifest.ts';
import { EmbeddingStore, fromBlob } from '../src/embedding/store.ts';
import { ExactIndex } from '../src/index/exact.ts';
import { slug } from '../src/index/hnsw.ts';
import { VectorIndexRegistry } from '../src/index/registry.ts';
import { createLogger } from '../src/log.ts';
import { createRuntime } from '../src/runtime.ts';
import { repoRoot } from '../src/util/shared-data.ts';
import { uuidv7 } from '../src/util/ids.ts';
import { emit } from './lib/listings.ts';

/**
 * Batch rematch at corpus scale: N needs × M offers of clustered vectors (inserted straight into
 * the database under a generated model of that dimension), top-k offers per need.
 * Measures, in one run and on one index:
 *   - a bare hnswlib-node `searchKnn` loop over every need (the ceiling),
 *   - recall@10 against brute force on a sample of needs, for several ef values,
 *   - the whole rematch (run creation, chunk jobs over BullMQ, dense ranking, storing pairs)
 *     with 1 and with 2 separate worker processes.
 * Options: --needs 100000 --offers 100000 --dim 256 --k 50 --efs 64,128,192,256,384
 * --ef auto (the smallest ef of the sweep reaching --target-recall 0.98) --clusters offers/10
 * --noise 0.6 --chunk 500 --sample 1000 --workers 1,2 (0: skip the rematch) --keep (keep data).
 */
export default async function rematchBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      needs: { type: 'string', default: '100000' },
      offers: { type: 'string', default: '100000' },
      dim: { type: 'string', default: '256' },
      k: { type: 'string', default: '50' },
      ef: { type: 'string', default: 'auto' },
      efs: { type: 'string', default: '64,128,192,256,384' },
      'target-recall': { type: 'string', default: '0.98' },
      clusters: { type: 'string' },
      noise: { type: 'string', default: '0.6' },
      chunk: { type: 'string', default: '500' },
      sample: { type: 'string', default: '1000' },
      workers: { type: 'string', default: '1,2' },
      keep: { type: 'boolean', default: false },
      reuse: { type: 'string' },
    },
  });
  const needs = Number(values.needs);
  const offers = Number(values.offers);
  const dim = Number(values.dim);
  const k = Number(values.k);
  const targetRecall = Number(values['target-recall']);
  const efs = values.efs.split(',').map(Number);
  const chunk = Number(values.chunk);
  const sampleSize = Math.min(Number(values.sample), needs);
  const workerCounts = values.workers
    .split(',')
    .map(Number)
    .filter((w) => w > 0);
  const say = (s: string) => process.stderr.write(`${s}\n`);

  // --reuse DIR: the data dir of an earlier run (--keep), with its corpus and index snapshot.
  const dataDir = values.reuse
    ? resolve(values.reuse)
    : mkdtempSync(join(tmpdir(), 'bench-rematch-'));
  const modelDir = join(dataDir, 'model');
  // A generated model of the benchmark's dimension: its id is the vectors' model id, so worker
  // processes that load it treat the vectors as their own (no re-embedding, no reset).
  if (!values.reuse)
    generateRandomBert(modelDir, { ...PRESETS.tiny, hidden: dim, heads: 2 }, `bench-${dim}`);
  const model = await readModelInfo(modelDir);
  const env = {
    DATA_DIR: dataDir,
    MODEL_PATH: modelDir,
    LOG_LEVEL: 'warn',
    QUEUE_MODE: 'bullmq',
    QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    REMATCH_CHUNK_SIZE: String(chunk),
    INDEX_SNAPSHOT_EVERY: String(10 * (needs + offers)),
  };
  const config = loadConfig(env);
  const log = createLogger('warn', 'bench');

  // 1. Data: clustered unit vectors, straight into the database.
  let t0 = performance.now();
  const db = openDb(config.databaseFile);
  const needVectors = values.reuse
    ? readNeedVectors(db, model.id)
    : insertCorpus(
        db,
        model.id,
        dim,
        needs,
        offers,
        // About ten vectors per cluster: top-10 lists cross cluster borders, so recall depends on ef.
        Number(values.clusters ?? Math.max(1, Math.round(offers / 10))),
        Number(values.noise),
      ).needVectors;
  if (needVectors.length !== needs)
    throw new Error(`${needVectors.length} needs in the data dir, --needs says ${needs}`);
  const insertS = (performance.now() - t0) / 1000;
  say(
    `${values.reuse ? 'read' : 'inserted'} ${needs} needs + ${offers} offers (dim ${dim}) in ${insertS.toFixed(1)} s`,
  );

  // 2. The offer index, built by the registry the service uses, and snapshotted for workers
  //    (with --reuse: loaded from that snapshot through the same registry).
  t0 = performance.now();
  const store = new EmbeddingStore(db);
  const registry = indexRegistry(db, store, config, model.id, dim);
  await registry.open();
  await registry.close();
  const buildS = (performance.now() - t0) / 1000;
  say(
    `HNSW index of ${offers} offers ${values.reuse ? 'loaded' : 'built'} in ${buildS.toFixed(1)} s (M ${config.HNSW_M}, efConstruction ${config.HNSW_EF_CONSTRUCTION})`,
  );

  // 3. Bare searchKnn over the same index file and the same queries.
  const file = join(config.indexDir, `offer-${slug(model.id)}.hnsw`);
  const bare = new hnswlib.HierarchicalNSW('cosine', dim);
  bare.readIndexSync(file, true);
  const queries = needVectors.map((v) => Array.from(v));

  // 4. recall@10 against brute force on an even sample of needs, for each ef (with the search
  //    rate on that sample), to pick ef.
  const exact = new ExactIndex(dim, offers);
  for (const r of store.after(model.id, 'offer', 0, offers)) exact.add(r.id, r.vector);
  const stride = Math.max(1, Math.floor(needs / sampleSize));
  const sample = Array.from({ length: sampleSize }, (_, i) => queries[i * stride]!);
  t0 = performance.now();
  const truth = await exact.searchMany(
    sample.map((q) => Float32Array.from(q)),
    10,
  );
  const exactMsPerQuery = (performance.now() - t0) / sampleSize;
  const recall: Record<number, number> = {};
  const sweep = [...new Set([...efs, ...(values.ef === 'auto' ? [] : [Number(values.ef)])])];
  for (const e of sweep.sort((x, y) => x - y)) {
    bare.setEf(Math.max(e, k));
    let hits = 0;
    t0 = performance.now();
    const found = sample.map((q) => bare.searchKnn(q, k).neighbors);
    const rate = sampleSize / ((performance.now() - t0) / 1000);
    found.forEach((n, i) => {
      const got = new Set(n.slice(0, 10));
      hits += truth[i]!.filter((h) => got.has(h.id)).length;
    });
    recall[e] = hits / (10 * sampleSize);
    say(`ef ${e}: recall@10 ${recall[e].toFixed(4)}, ${rate.toFixed(0)} needs/s on the sample`);
    emit({
      bench: 'rematch-ef',
      needs,
      offers,
      dim,
      k,
      ef: e,
      recall_at_10: round(recall[e], 4),
      sample: sampleSize,
      sample_per_s: Math.round(rate),
    });
  }
  say(`brute force (onnxruntime GEMM): ${exactMsPerQuery.toFixed(2)} ms/query`);
  // --ef auto: the smallest ef of the sweep that reaches the target recall (else the largest).
  const ef =
    values.ef === 'auto'
      ? (sweep.find((e) => recall[e]! >= targetRecall) ?? sweep[sweep.length - 1]!)
      : Number(values.ef);
  say(`ef for the runs: ${ef}`);

  // 5. The bare loop: searchKnn for every need at the chosen ef, nothing else.
  bare.setEf(Math.max(ef, k));
  t0 = performance.now();
  const cpuBare0 = process.cpuUsage();
  for (const q of queries) bare.searchKnn(q, k);
  const bareS = (performance.now() - t0) / 1000;
  const cpuBare = process.cpuUsage(cpuBare0);
  // CPU seconds: on a machine shared with other work, needs per CPU-second is the fair figure.
  const bareCpuS = (cpuBare.user + cpuBare.system) / 1e6;
  const bareRate = queries.length / bareS;
  const bareLoad = loadavg()[0]!;
  say(
    `bare searchKnn ef ${ef}: ${bareRate.toFixed(0)} needs/s (${bareS.toFixed(1)} s, load ${bareLoad.toFixed(1)})`,
  );

  // 6. The whole rematch with 1 and 2 worker processes.
  const rt = await createRuntime(config, log, { withIndex: false, runWorker: false });
  const results: Record<
    number,
    { perS: number; seconds: number; recall: number | null; cpuS: number; load: number }
  > = {};
  for (const w of workerCounts) {
    const procs = Array.from({ length: w }, () => startWorker(env));
    try {
      // Warm-up: a small run so that every worker has opened the index before the clock starts.
      // (with recall checks, so the brute-force index is loaded too).
      const warm = await rt.rematch.create({
        k,
        chunkSize: 1,
        filter: { industry: 'warmup' },
        recallSample: 64,
      });
      await waitRun(rt, warm.id);
      const cpu0 = procs.reduce((a, p) => a + cpuSeconds(p.child.pid), 0);
      const t = performance.now();
      const run = await rt.rematch.create({ k, ef });
      const done = await waitRun(rt, run.id, (r) =>
        say(`  ${w} worker(s): ${r.doneListings}/${r.totalListings}`),
      );
      const seconds = (performance.now() - t) / 1000;
      const cpuS = procs.reduce((a, p) => a + cpuSeconds(p.child.pid), 0) - cpu0;
      const load = loadavg()[0]!;
      if (done.status !== 'completed')
        throw new Error(`run ${run.id} ended ${done.status}: ${done.error}`);
      const recallRun = done.recallTotal > 0 ? done.recallHits / done.recallTotal : null;
      results[w] = { perS: needs / seconds, seconds, recall: recallRun, cpuS, load };
      say(
        `rematch with ${w} worker(s): ${(needs / seconds).toFixed(0)} needs/s (${seconds.toFixed(1)} s, ${done.pairCount} pairs, busy ${(done.workMs / 1000).toFixed(1)} s, worker CPU ${cpuS.toFixed(1)} s, load ${load.toFixed(1)}, run recall@10 ${recallRun?.toFixed(4)})`,
      );
    } finally {
      await Promise.all(procs.map((p) => stopWorker(p)));
    }
  }
  await rt.close();
  db.$client.close();

  const one = results[1];
  const two = results[2];
  const lines = [
    `rematch: ${needs} needs × ${offers} offers, dim ${dim}, top-${k}, ef ${ef}, chunks of ${chunk}`,
    `  insert          ${insertS.toFixed(1)} s; index build ${buildS.toFixed(1)} s`,
    `  bare searchKnn  ${bareRate.toFixed(0)} needs/s (ef ${ef}, k ${k}, one thread, load ${bareLoad.toFixed(1)}); per CPU-second ${(needs / bareCpuS).toFixed(0)} needs`,
    `  recall@10       ${recall[ef]!.toFixed(4)} on ${sampleSize} needs (ef ${ef})`,
    ...workerCounts.map(
      (w) =>
        `  rematch ×${w}     ${results[w]!.perS.toFixed(0)} needs/s (${results[w]!.seconds.toFixed(1)} s, load ${results[w]!.load.toFixed(1)}), ratio to bare ${(results[w]!.perS / bareRate).toFixed(3)}; per CPU-second ${(needs / results[w]!.cpuS).toFixed(0)} needs, ratio ${(bareCpuS / results[w]!.cpuS).toFixed(3)}`,
    ),
    ...(one && two
      ? [
          `  2 vs 1 worker   ${(two.perS / one.perS).toFixed(2)}× wall clock; CPU per need 1w/2w ${(one.cpuS / two.cpuS).toFixed(3)} (so ≈${((2 * one.cpuS) / two.cpuS).toFixed(2)}× on two free cores)`,
        ]
      : []),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  emit({
    bench: 'rematch',
    needs,
    offers,
    dim,
    k,
    ef,
    chunk,
    insert_s: round(insertS, 1),
    index_build_s: round(buildS, 1),
    bare_per_s: Math.round(bareRate),
    bare_cpu_s: round(bareCpuS, 1),
    bare_per_cpu_s: Math.round(needs / bareCpuS),
    load_bare: round(bareLoad, 1),
    recall_at_10: round(recall[ef]!, 4),
    recall_sample: sampleSize,
    exact_ms_per_query: round(exactMsPerQuery, 3),
    ...Object.fromEntries(
      workerCounts.flatMap((w) => [
        [`rematch_${w}w_per_s`, Math.round(results[w]!.perS)],
        [`ratio_${w}w_to_bare`, round(results[w]!.perS / bareRate, 3)],
        [`cpu_ratio_${w}w_to_bare`, round(bareCpuS / results[w]!.cpuS, 3)],
        [`worker_cpu_s_${w}w`, round(results[w]!.cpuS, 1)],
        [`load_${w}w`, round(results[w]!.load, 1)],
        [
          `run_recall_at_10_${w}w`,
          results[w]!.recall === null ? null : round(results[w]!.recall, 4),
        ],
      ]),
    ),
    ...(one && two
      ? {
          speedup_2w: round(two.perS / one.perS, 2),
          cpu_efficiency_2w: round(one.cpuS / two.cpuS, 3),
        }
      : {}),
  });
  if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  else say(`data kept in ${dataDir}`);
}

/** CPU seconds (user + system) a process has used so far, from /proc (0 where there is none). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function round(x: number, digits: number): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

function indexRegistry(
  db: Db,
  store: EmbeddingStore,
  config: Config,
  modelId: string,
  dim: number,
) {
  return new VectorIndexRegistry(
    db,
    store,
    modelId,
    dim,
    {
      m: config.HNSW_M,
      efConstruction: config.HNSW_EF_CONSTRUCTION,
      efSearch: config.HNSW_EF_SEARCH,
    },
    config.indexDir,
    config.INDEX_SNAPSHOT_EVERY,
    createLogger('warn', 'bench'),
    ['offer'],
  );
}

/** A seeded PRNG (mulberry32) and normal samples from it (Box–Muller). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

/**
 * Needs and offers around shared cluster centres (each vector: centre + noise, normalised), so
 * every need has near offers as in real data. A few needs carry industry "warmup" for the
 * warm-up run. Returns the need vectors in id order (the order a run processes them).
 */
/** The need vectors of a kept data dir, in id order. */
function readNeedVectors(db: Db, modelId: string): Float32Array[] {
  const rows = db.$client
    .prepare(
      `SELECT e.vector FROM listings l JOIN embeddings e ON e.listing_id = l.id AND e.model_id = ?
        WHERE l.side = 'need' ORDER BY l.id`,
    )
    .all(modelId) as { vector: Buffer }[];
  return rows.map((r) => fromBlob(r.vector));
}

function insertCorpus(
  db: Db,
  modelId: string,
  dim: number,
  needs: number,
  offers: number,
  clusters: number,
  /** Standard deviation of the per-dimension noise around a centre (whose entries are N(0, 1)). */
  noise: number,
) {
  const g = gaussian(42);
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, g));
  const vector = (): Float32Array => {
    const c = centres[Math.floor(Math.abs(g() * 1e6)) % clusters]!;
    const v = new Float32Array(dim);
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      v[i] = c[i]! + noise * g();
      norm += v[i]! * v[i]!;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) v[i] = v[i]! * inv;
    return v;
  };
  const c = db.$client;
  const listing = c.prepare(
    `INSERT INTO listings (id, side, title, description, keywords, industry, cooperation_modes, confidentiality, status, content_hash, embedding_status, created_at, updated_at)
     VALUES (?, ?, ?, ?, '[]', ?, '[]', 'public', 'active', ?, 'ready', ?, ?)`,
  );
  const embedding = c.prepare(
    `INSERT INTO embeddings (listing_id, side, model_id, dimension, content_hash, vector, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const needVectors: { id: string; v: Float32Array }[] = [];
  const now = Date.now();
  const insert = c.transaction((side: 'need' | 'offer', from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = uuidv7(now + i);
      const v = vector();
      const hash = `h${i}`;
      listing.run(
        id,
        side,
        `${side} ${i}`,
        `synthetic ${side} ${i}`,
        side === 'need' && i < 64 ? 'warmup' : null,
        hash,
        now,
        now,
      );
      embedding.run(id, side, modelId, dim, hash, Buffer.from(v.buffer), now);
      if (side === 'need') needVectors.push({ id, v });
    }
  });
  for (const [side, n] of [
    ['need', needs],
    ['offer', offers],
  ] as const)
    for (let i = 0; i < n; i += 10_000) insert(side, i, Math.min(n, i + 10_000));
  needVectors.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { needVectors: needVectors.map((x) => x.v) };
}

function startWorker(env: Record<string, string>): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(repoRoot, 'workers/embed-worker.ts')],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return { child, exited: new Promise((r) => child.on('exit', () => r())) };
}

async function stopWorker(p: { child: ChildProcess; exited: Promise<void> }): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

/** Polls a run until it leaves `running`; reports progress every ~10 s. */
async function waitRun(
  rt: Awaited<ReturnType<typeof createRuntime>>,
  id: number,
  progress?: (r: { doneListings: number; totalListings: number }) => void,
) {
  let last = performance.now();
  for (;;) {
    const r = rt.runs.get(id)!;
    if (r.status !== 'running') return r;
    if (progress && performance.now() - last > 10_000) {
      progress(r);
      last = performance.now();
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}
