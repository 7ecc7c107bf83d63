import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDb } from '../db/client.ts';
import { readActiveModel, writeActiveModel } from '../embedding/active-model.ts';
import { TransformersEmbedder } from '../embedding/embedder.ts';
import { readModelInfo } from '../embedding/model-manifest.ts';
import { EmbeddingStore } from '../embedding/store.ts';
import { passageText } from '../embedding/text.ts';
import { VectorIndexRegistry } from '../index/registry.ts';
import { createLogger } from '../log.ts';
import { intOption, UsageError } from './args.ts';
import type { CliCommand } from './index.ts';
import { formatDuration } from './progress.ts';

const USAGE = `usage: matchmaker reembed --model DIR [--batch 32] [--no-switch] [--no-index] [--verbose]

Embeds every listing into the model at DIR (vectors are kept per model, so the current model
goes on serving), builds that model's index snapshots, then records it as the active model:
every API and worker process switches to it within MODEL_CHECK_MS. Safe to interrupt and run
again: listings that already have a vector of the model for their current text are skipped.`;

/** Passes over the corpus until one finds nothing left (listings changed meanwhile are caught). */
const MAX_PASSES = 5;
const PAGE = 256;

export const command: CliCommand = {
  summary: 'embed every listing with a new model while the old one serves, then switch to it',
  async run(argv) {
    let dir: string;
    let batch: number;
    let doSwitch: boolean;
    let doIndex: boolean;
    let verbose: boolean;
    try {
      const { values } = parseArgs({
        args: argv,
        options: {
          model: { type: 'string' },
          batch: { type: 'string' },
          'no-switch': { type: 'boolean', default: false },
          'no-index': { type: 'boolean', default: false },
          verbose: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
        },
      });
      if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
      }
      if (!values.model) throw new UsageError('--model DIR is required');
      dir = resolve(values.model);
      batch = intOption('batch', values.batch) ?? 32;
      doSwitch = !values['no-switch'];
      doIndex = !values['no-index'];
      verbose = values.verbose;
    } catch (err) {
      if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }

    const config = loadConfig(process.env);
    const log = createLogger(verbose ? config.LOG_LEVEL : 'warn', 'reembed');
    let info;
    try {
      info = await readModelInfo(dir);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
    const db = openDb(config.databaseFile);
    const store = new EmbeddingStore(db);
    const embedder = await TransformersEmbedder.load(info, {
      batchSize: batch,
      waitMs: 0,
      maxChars: config.EMBED_MAX_TOKENS * 4,
    });
    const tty = process.stderr.isTTY;
    try {
      const before = readActiveModel(db);
      process.stderr.write(
        `re-embedding into ${info.id} (dimension ${info.dimension}); active model: ${before?.id ?? 'from MODEL_PATH'}\n`,
      );
      const t0 = performance.now();
      let total = 0;
      for (let pass = 1; pass <= MAX_PASSES; pass++) {
        let after = '';
        let done = 0;
        let lastPlain = 0;
        for (;;) {
          const rows = store.missingFor(info.id, after, PAGE);
          if (rows.length === 0) break;
          const vectors = await embedder.embed(
            rows.map((r) => passageText(r.row)),
            'passage',
          );
          rows.forEach((r, i) => store.store(r.id, r.contentHash, info.id, vectors[i]!, false));
          done += rows.length;
          after = rows[rows.length - 1]!.id;
          const s = (performance.now() - t0) / 1000;
          const line = `pass ${pass}: ${done} listings embedded, ${((total + done) / s).toFixed(1)}/s, ${formatDuration(s)}`;
          if (tty) process.stderr.write(`\r\x1b[K${line}`);
          else if (Date.now() - lastPlain > 5000) {
            process.stderr.write(`${line}\n`);
            lastPlain = Date.now();
          }
        }
        if (tty && done > 0) process.stderr.write('\n');
        total += done;
        if (done === 0) break;
      }
      process.stderr.write(
        `${total} listings embedded into ${info.id} in ${formatDuration((performance.now() - t0) / 1000)}\n`,
      );
      if (doIndex) {
        // Snapshots of the new model's indexes: serving processes load them when they switch
        // instead of rebuilding on their own event loop.
        const t1 = performance.now();
        const reg = new VectorIndexRegistry(
          db,
          store,
          info.id,
          info.dimension,
          {
            m: config.HNSW_M,
            efConstruction: config.HNSW_EF_CONSTRUCTION,
            efSearch: config.HNSW_EF_SEARCH,
          },
          config.indexDir,
          config.INDEX_SNAPSHOT_EVERY,
          log,
        );
        await reg.open();
        await reg.close();
        process.stderr.write(
          `index snapshots written in ${formatDuration((performance.now() - t1) / 1000)}\n`,
        );
      }
      if (doSwitch) {
        const active = writeActiveModel(db, { id: info.id, dir: info.dir });
        process.stderr.write(
          `active model is now ${active.id}; running processes switch within ${config.MODEL_CHECK_MS} ms\n`,
        );
      }
      process.stdout.write(
        `${JSON.stringify({ model: info.id, embedded: total, switched: doSwitch })}\n`,
      );
      return 0;
    } finally {
      await embedder.close();
      db.$client.close();
    }
  },
};
