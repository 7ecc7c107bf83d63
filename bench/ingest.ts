import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { TransformersEmbedder } from '../src/embedding/embedder.ts';
import { readModelInfo } from '../src/embedding/model-manifest.ts';
import { passageText } from '../src/embedding/text.ts';
import { createLogger } from '../src/log.ts';
import { createRuntime } from '../src/runtime.ts';
import { repoRoot } from '../src/util/shared-data.ts';
import { ensureRandomModel } from '../models/generate-random-bert.ts';
import { emit, loadZhibei } from './lib/listings.ts';

/**
 * End-to-end ingest (bulk HTTP API → queue → batched embedding → stored → in the index) against
 * the raw model throughput on the same texts in the same run, with the bge-small-zh-shaped
 * random model. Options: --count N (default 512), --batch B (default 32), --model DIR.
 */
export default async function ingestBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '1024' },
      batch: { type: 'string', default: '32' },
      model: { type: 'string' },
    },
  });
  const count = Number(values.count);
  const batch = Number(values.batch);
  const modelDir = values.model
    ? resolve(values.model)
    : resolve(repoRoot, 'models/generated/bge-small-zh-shape');
  if (!values.model) await ensureRandomModel('bge-small-zh-shape', modelDir);

  const pool = loadZhibei('offers');
  const listings = Array.from({ length: count }, (_, i) => pool[i % pool.length]!);
  const texts = listings.map((l) => passageText({ ...l, keywords: [] }));
  const avgChars = Math.round(texts.reduce((a, t) => a + t.length, 0) / texts.length);

  // Raw: the same model, the same texts, batches of the same size, nothing else.
  const model = await readModelInfo(modelDir);
  const maxTokens = 256;
  const raw = await TransformersEmbedder.load(model, {
    batchSize: batch,
    waitMs: 0,
    maxChars: maxTokens * 4,
  });
  await raw.embedBatch(texts.slice(0, batch));
  const rawStart = performance.now();
  for (let i = 0; i < texts.length; i += batch)
    await raw.embedBatch(texts.slice(i, i + batch).map((t) => t.slice(0, maxTokens * 4)));
  const rawSeconds = (performance.now() - rawStart) / 1000;
  await raw.close();

  // End to end through the real service.
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    MODEL_PATH: modelDir,
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    EMBED_BATCH_SIZE: String(batch),
    EMBED_MAX_TOKENS: String(maxTokens),
    INDEX_SNAPSHOT_EVERY: String(10 * count),
  });
  const log = createLogger(config.LOG_LEVEL, 'bench');
  const rt = await createRuntime(config, log, { withIndex: true, runWorker: true });
  const app = await buildApp(rt);
  // The key the first start wrote, as a user reads it.
  const adminKey = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await rt.embedder.embed(texts.slice(0, batch), 'passage'); // warm-up, as for raw

  const e2eStart = performance.now();
  for (let i = 0; i < count; i += 1000) {
    const items = listings
      .slice(i, i + 1000)
      .map((l, j) => ({ ...l, source: 'bench', externalId: String(i + j) }));
    const res = await fetch(`http://127.0.0.1:${port}/v1/offers/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ items }),
    });
    if (res.status !== 202)
      throw new Error(`bulk import answered ${res.status}: ${await res.text()}`);
  }
  const searchable = () => rt.index!.get('offer').size >= count;
  while (!searchable()) await new Promise((r) => setTimeout(r, 20));
  const e2eSeconds = (performance.now() - e2eStart) / 1000;
  const transport = rt.queue.mode;
  await app.close();
  await rt.close();
  rmSync(dataDir, { recursive: true, force: true });

  const rawPerS = count / rawSeconds;
  const e2ePerS = count / e2eSeconds;
  process.stdout.write(
    [
      `ingest: ${count} listings (avg ${avgChars} chars, ≤${maxTokens} tokens), model ${model.name} (dim ${model.dimension}), batch ${batch}, transport ${transport}`,
      `  raw model      ${rawPerS.toFixed(1)} listings/s (${rawSeconds.toFixed(1)} s)`,
      `  end to end     ${e2ePerS.toFixed(1)} listings/s (${e2eSeconds.toFixed(1)} s)`,
      `  ratio          ${(e2ePerS / rawPerS).toFixed(3)}`,
      '',
    ].join('\n'),
  );
  emit({
    bench: 'ingest',
    count,
    batch,
    transport,
    model: model.name,
    dimension: model.dimension,
    avg_chars: avgChars,
    raw_per_s: Number(rawPerS.toFixed(2)),
    e2e_per_s: Number(e2ePerS.toFixed(2)),
    ratio: Number((e2ePerS / rawPerS).toFixed(3)),
  });
}
