import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readB2bInstance } from '../fairs/b2b.ts';
import { checkB2b } from '../fairs/checker.ts';
import { solveExact, solveHeuristic, type SolveResult } from '../fairs/scheduler/b2b-solver.ts';
import type { CliCommand } from './index.ts';

/** The default time limit of `matchmaker schedule`, in seconds (tests pin results within it). */
export const DEFAULT_TIME_LIMIT_S = 60;

/** `matchmaker schedule --instance FILE [--time-limit S] [--out FILE] [--exact|--heuristic]` */
export const command: CliCommand = {
  summary: 'schedule a b2b-instance/1 file (meetings × slots) minimising idle gaps',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        instance: { type: 'string' },
        'time-limit': { type: 'string', default: String(DEFAULT_TIME_LIMIT_S) },
        out: { type: 'string' },
        exact: { type: 'boolean', default: false },
        heuristic: { type: 'boolean', default: false },
        seed: { type: 'string', default: '1' },
      },
    });
    const limit = Number(values['time-limit']);
    if (!values.instance || !Number.isFinite(limit) || limit <= 0) {
      process.stderr.write(
        'usage: matchmaker schedule --instance FILE [--time-limit SECONDS] [--out FILE] [--exact|--heuristic]\n',
      );
      return 2;
    }
    let inst;
    try {
      inst = readB2bInstance(values.instance);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
    // Default: the heuristic within the time limit (it stops early at zero breaks, which the
    // trivial bound 0 proves optimal); when breaks remain, the exact model gets the same limit
    // for a proof or a bound.
    const runs: SolveResult[] = [];
    if (!values.exact) {
      try {
        runs.push(solveHeuristic(inst, limit * 1000, Number(values.seed)));
      } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        if (values.heuristic) return 1;
      }
    }
    if (!values.heuristic && (values.exact || !runs[0] || runs[0].breaks > 0))
      runs.push(await solveExact(inst, limit));
    const feasible = runs.filter((r) => Number.isFinite(r.breaks));
    if (feasible.length === 0) {
      process.stderr.write('no feasible schedule found within the time limit\n');
      return 1;
    }
    const best = feasible.reduce((x, y) => (y.breaks < x.breaks ? y : x));
    const optimal = runs.some((r) => r.optimal);
    const bound = Math.max(
      0,
      ...runs.map((r) => r.bound),
      ...runs.filter((r) => r.optimal && r.method === 'exact').map((r) => r.breaks),
    );
    const check = checkB2b(inst, best.schedule);
    if (!check.valid) {
      process.stderr.write(
        `internal error: the schedule fails the checker: ${check.violations.slice(0, 5).join('; ')}\n`,
      );
      return 1;
    }
    if (values.out) writeFileSync(values.out, JSON.stringify(best.schedule));
    const ms = runs.reduce((x, r) => x + r.ms, 0);
    process.stdout.write(
      [
        `instance        ${inst.name}: ${inst.participants.length} participants, ${inst.meetings.length} meetings, ${inst.slots} slots, ${inst.tables} tables`,
        `scheduled       ${Object.keys(best.schedule).length}/${inst.meetings.length} meetings (checked)`,
        `idle gaps       ${check.totalBreaks} (${best.method}${optimal || check.totalBreaks === bound ? ', proven optimal' : ''})`,
        `bound           ${bound}   gap ${check.totalBreaks - bound}`,
        ...runs.map(
          (r) =>
            `  ${r.method.padEnd(10)} ${Number.isFinite(r.breaks) ? r.breaks : '—'} gaps in ${(r.ms / 1000).toFixed(1)} s${r.optimal ? ' (optimal)' : ''}`,
        ),
        '',
      ].join('\n'),
    );
    process.stdout.write(
      JSON.stringify({
        schedule: inst.name,
        meetings: inst.meetings.length,
        scheduled: Object.keys(best.schedule).length,
        idle_gaps: check.totalBreaks,
        bound,
        gap: check.totalBreaks - bound,
        method: best.method,
        optimal: optimal || check.totalBreaks === bound,
        seconds: +(ms / 1000).toFixed(2),
      }) + '\n',
    );
    return 0;
  },
};
