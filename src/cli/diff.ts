import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDb } from '../db/client.ts';
import { AppError } from '../http/errors.ts';
import { writeCsv, writeXlsx } from '../rematch/export.ts';
import {
  comparableRuns,
  diffEntries,
  diffTable,
  emptySummary,
  needOffer,
} from '../rematch/report.ts';
import { RunRepo } from '../rematch/repo.ts';
import { intOption, UsageError } from './args.ts';
import type { CliCommand } from './index.ts';

const USAGE = `usage: matchmaker diff RUN_A RUN_B [--format text|json|csv|xlsx] [--out FILE] [--limit N]

Pairs new in RUN_B, dropped from RUN_A, and moved (rank changed). text (default) prints the
summary and the first --limit entries (100); json prints the summary and all entries as JSON
lines; csv and xlsx export every entry with titles (xlsx needs --out).`;

export const command: CliCommand = {
  summary: 'compare two match runs: new, dropped and moved pairs (text, JSON, CSV, XLSX)',
  async run(argv) {
    let a: number;
    let b: number;
    let format: string;
    let out: string | undefined;
    let limit: number;
    try {
      const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          format: { type: 'string', default: 'text' },
          out: { type: 'string' },
          limit: { type: 'string' },
          help: { type: 'boolean', default: false },
        },
      });
      if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
      }
      if (positionals.length !== 2) throw new UsageError('expected two run ids');
      a = intOption('RUN_A', positionals[0])!;
      b = intOption('RUN_B', positionals[1])!;
      format = values.format;
      if (!['text', 'json', 'csv', 'xlsx'].includes(format))
        throw new UsageError('--format must be text, json, csv or xlsx');
      if (format === 'xlsx' && !values.out) throw new UsageError('--format xlsx needs --out FILE');
      out = values.out;
      limit = intOption('limit', values.limit, 0) ?? 100;
    } catch (err) {
      if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }

    const config = loadConfig(process.env);
    const db = openDb(config.databaseFile);
    try {
      const runs = new RunRepo(db);
      const [ra, rb] = comparableRuns(runs, a, b);
      const summary = emptySummary();
      const sink: Writable = out ? createWriteStream(out) : process.stdout;
      const finished = out
        ? new Promise<void>((r) => sink.once('finish', () => r()))
        : Promise.resolve();
      if (format === 'csv' || format === 'xlsx') {
        const table = diffTable(db, runs, ra, rb, summary);
        if (format === 'csv') await writeCsv(sink, table);
        else await writeXlsx(sink, table);
        await finished;
      } else {
        let shown = 0;
        for (const e of diffEntries(runs, ra, rb, summary)) {
          const { needId, offerId } = needOffer(ra.side, e.queryId, e.candidateId);
          if (format === 'json') {
            sink.write(`${JSON.stringify({ ...e, needId, offerId })}\n`);
          } else if (shown < limit) {
            shown++;
            const ranks = `${e.rankA ?? '-'} → ${e.rankB ?? '-'}`;
            sink.write(`${e.change.padEnd(8)} need ${needId}  offer ${offerId}  rank ${ranks}\n`);
          }
        }
        if (out) sink.end();
        await finished;
      }
      const line = `diff run ${a} → run ${b}: ${summary.new} new, ${summary.dropped} dropped, ${summary.moved} moved, ${summary.unchanged} unchanged`;
      process.stderr.write(`${line}${out ? ` (written to ${out})` : ''}\n`);
      if (format === 'json') process.stdout.write(`${JSON.stringify({ a, b, summary })}\n`);
      return 0;
    } catch (err) {
      if (err instanceof AppError) {
        process.stderr.write(`${err.code}: ${err.message}\n`);
        return 1;
      }
      throw err;
    } finally {
      db.$client.close();
    }
  },
};
