import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { readModelInfo } from '../embedding/model-manifest.ts';
import { AppError } from '../http/errors.ts';
import { createLogger } from '../log.ts';
import { runView } from '../rematch/schemas.ts';
import type { CreateRunInput } from '../rematch/service.ts';
import { createRuntime } from '../runtime.ts';
import { intOption, parseKeyValues, UsageError } from './args.ts';
import type { CliCommand } from './index.ts';
import { progressLine } from './progress.ts';

const USAGE = `usage: matchmaker rematch [--side need|offer] [--filter industry=..,region=..] [--k 50]
                          [--exact] [--ef N] [--model ID|DIR] [--weights dense=1,industry=0,region=0]
                          [--chunk-size N] [--recall-sample N] [--detach] [--verbose]
       matchmaker rematch --resume RUN [--detach]

Creates a match run (or resumes one) and follows it with a progress line until it finishes.
Chunks run on every worker sharing the queue; this process works on them too unless --detach.`;

/** Turns `--model` into a model id: a model directory is read for its id, anything else is one. */
async function modelIdOf(v: string | undefined): Promise<string | undefined> {
  if (v === undefined) return undefined;
  const dir = resolve(v);
  return existsSync(join(dir, 'config.json')) ? (await readModelInfo(dir)).id : v;
}

export const command: CliCommand = {
  summary: 'batch rematch of one side against the other (a versioned, resumable match run)',
  async run(argv) {
    let input: CreateRunInput;
    let resume: number | undefined;
    let detach: boolean;
    let verbose: boolean;
    try {
      const { values } = parseArgs({
        args: argv,
        options: {
          side: { type: 'string' },
          filter: { type: 'string' },
          k: { type: 'string' },
          exact: { type: 'boolean', default: false },
          ef: { type: 'string' },
          model: { type: 'string' },
          weights: { type: 'string' },
          'chunk-size': { type: 'string' },
          'recall-sample': { type: 'string' },
          resume: { type: 'string' },
          detach: { type: 'boolean', default: false },
          verbose: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
        },
      });
      if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
      }
      if (values.side !== undefined && values.side !== 'need' && values.side !== 'offer')
        throw new UsageError('--side must be need or offer');
      const weights = Object.fromEntries(
        Object.entries(parseKeyValues(values.weights, ['dense', 'industry', 'region'])).map(
          ([k, v]) => {
            const n = Number(v);
            if (!Number.isFinite(n) || n < 0)
              throw new UsageError(`weight ${k} must be a number ≥ 0`);
            return [k, n];
          },
        ),
      );
      input = {
        side: values.side,
        filter: parseKeyValues(values.filter, ['industry', 'region']),
        k: intOption('k', values.k),
        exact: values.exact,
        ef: intOption('ef', values.ef),
        modelId: await modelIdOf(values.model),
        weights,
        chunkSize: intOption('chunk-size', values['chunk-size']),
        recallSample: intOption('recall-sample', values['recall-sample'], 0),
      };
      resume = intOption('resume', values.resume);
      detach = values.detach;
      verbose = values.verbose;
    } catch (err) {
      if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }

    const config = loadConfig(process.env);
    const log = createLogger(verbose ? config.LOG_LEVEL : 'warn', 'rematch');
    const rt = await createRuntime(config, log, { withIndex: false, runWorker: !detach });
    try {
      let id: number;
      if (resume !== undefined) {
        const run = rt.rematch.get(resume);
        if (run.status !== 'running') {
          process.stderr.write(
            `run ${run.id} is ${run.status}; only a running run can be resumed\n`,
          );
          return 1;
        }
        const n = await rt.rematch.enqueue(run.id);
        process.stderr.write(`run ${run.id}: ${n} chunks enqueued again\n`);
        id = run.id;
      } else {
        id = (await rt.rematch.create(input)).id;
      }
      process.stdout.write(`run ${id}\n`);
      if (detach) {
        if (rt.queue.mode === 'inprocess')
          process.stderr.write(
            `no Redis: nothing else can take this run's chunks now; a running API picks them up within 30 s, or run: matchmaker rematch --resume ${id}\n`,
          );
        return 0;
      }
      const status = await follow(rt.rematch.get.bind(rt.rematch), id);
      const run = runView(rt.rematch.get(id));
      process.stdout.write(
        `${JSON.stringify({ run: run.id, status: run.status, stats: run.stats, recallAt10: run.recallAt10 })}\n`,
      );
      return status === 'completed' ? 0 : 1;
    } catch (err) {
      if (err instanceof AppError) {
        process.stderr.write(`${err.code}: ${err.message}\n`);
        return 1;
      }
      throw err;
    } finally {
      await rt.close();
    }
  },
};

/**
 * Polls the run until it leaves `running`: a redrawn bar with rate and ETA on a terminal, a
 * plain line every few seconds otherwise. Ctrl-C stops following (the run goes on in workers,
 * or resumes with --resume).
 */
async function follow(
  get: (id: number) => Parameters<typeof runView>[0],
  id: number,
): Promise<string> {
  const tty = process.stderr.isTTY;
  let interrupted = false;
  const onInt = () => {
    interrupted = true;
  };
  process.once('SIGINT', onInt);
  let lastPlain = 0;
  try {
    for (;;) {
      const run = runView(get(id));
      const done = run.status !== 'running';
      if (tty) {
        const width = Math.max(10, Math.min(40, (process.stderr.columns || 80) - 90));
        process.stderr.write(
          `\r\x1b[K${progressLine(run, { bar: true, width })}${done ? '\n' : ''}`,
        );
      } else if (done || Date.now() - lastPlain >= 5000) {
        process.stderr.write(`${progressLine(run, { bar: false })}\n`);
        lastPlain = Date.now();
      }
      if (done) return run.status;
      if (interrupted) {
        process.stderr.write(
          `\nstopped following run ${id}; resume with: matchmaker rematch --resume ${id}\n`,
        );
        return 'interrupted';
      }
      await new Promise((r) => setTimeout(r, tty ? 200 : 500));
    }
  } finally {
    process.off('SIGINT', onInt);
  }
}
