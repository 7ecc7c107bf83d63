import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../log.ts';
import { evaluateDataset } from '../matching/evaluate.ts';
import type { RankMode } from '../matching/ranker.ts';
import type { CliCommand } from './index.ts';

const MODES: RankMode[] = ['dense', 'lexical', 'hybrid', 'full'];

/** `matchmaker eval --dataset DIR [--qrels FILE] [--mode M] [--run-out FILE] [--model DIR]` */
export const command: CliCommand = {
  summary: 'rank a BEIR-format set through the real pipeline; print recall@10, nDCG@10, MRR@10',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        dataset: { type: 'string' },
        qrels: { type: 'string', multiple: true },
        mode: { type: 'string', default: 'full' },
        'run-out': { type: 'string' },
        model: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (!values.dataset || !existsSync(join(values.dataset, 'needs.jsonl'))) {
      process.stderr.write(
        'usage: matchmaker eval --dataset DIR (with needs.jsonl, offers.jsonl, qrels*.tsv) [--qrels FILE]... [--mode dense|lexical|hybrid|full|all] [--run-out FILE] [--model DIR]\n',
      );
      return 2;
    }
    const dataset = resolve(values.dataset);
    const modes = values.mode === 'all' ? MODES : [values.mode as RankMode];
    if (!modes.every((m) => MODES.includes(m))) {
      process.stderr.write(`--mode must be one of ${MODES.join(', ')}, all\n`);
      return 2;
    }
    const qrels =
      values.qrels?.map((q) => resolve(q)) ??
      readdirSync(dataset)
        .filter((f) => /^qrels.*\.tsv$/.test(f))
        .sort()
        .map((f) => join(dataset, f));
    const log = createLogger('warn', 'eval');
    const res = await evaluateDataset({
      dataset,
      qrels,
      modes,
      modelPath: values.model,
      runOut: values['run-out'],
      log,
      progress: (m) => process.stderr.write(`\r${m}   `),
    });
    process.stderr.write('\n');
    process.stdout.write(
      `model ${res.model}; ${res.needs} needs, ${res.offers} offers; ingest ${res.ingestSeconds.toFixed(1)} s\n`,
    );
    process.stdout.write(
      `${'mode'.padEnd(8)} ${'qrels'.padEnd(28)} ${'queries'.padStart(7)} ${'R@10'.padStart(7)} ${'nDCG@10'.padStart(8)} ${'MRR@10'.padStart(7)} ${'ms/need'.padStart(8)}\n`,
    );
    for (const m of res.modes) {
      for (const q of m.perQrels) {
        const name = q.qrels.replace(dataset + '/', '');
        process.stdout.write(
          `${m.mode.padEnd(8)} ${name.padEnd(28)} ${String(q.metrics.queries).padStart(7)} ${q.metrics.recall.toFixed(4).padStart(7)} ${q.metrics.ndcg.toFixed(4).padStart(8)} ${q.metrics.mrr.toFixed(4).padStart(7)} ${m.msPerNeed.toFixed(2).padStart(8)}\n`,
        );
        if (values.json) {
          process.stdout.write(
            JSON.stringify({ eval: name, mode: m.mode, model: res.model, ...q.metrics }) + '\n',
          );
        }
      }
    }
    return 0;
  },
};
