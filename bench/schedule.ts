import { parseArgs } from 'node:util';
import { readB2bInstance } from '../src/fairs/b2b.ts';
import { checkB2b, checkFair } from '../src/fairs/checker.ts';
import { scheduleFair } from '../src/fairs/scheduler/fair.ts';
import { generateFair } from '../src/fairs/scheduler/generate.ts';
import { solveExact, solveHeuristic } from '../src/fairs/scheduler/b2b-solver.ts';
import { sharedDataPath } from '../src/util/shared-data.ts';
import { emit } from './lib/listings.ts';

/**
 * The real b2b instances: the heuristic for `--seeds` within `--b2b-budget` seconds each,
 * against the exact HiGHS model given `--exact-limit` seconds (default 60). Every schedule is
 * checked.
 */
export { generateFair } from '../src/fairs/scheduler/generate.ts';

export default async function scheduleBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'exact-limit': { type: 'string', default: '60' },
      budget: { type: 'string', default: '3000' },
      'b2b-budget': { type: 'string', default: '60' },
      seeds: { type: 'string', default: '1,2,3' },
    },
  });
  const exactLimit = Number(values['exact-limit']);
  const budget = Number(values.budget);

  // --- general fair section (owned by the general-scheduler work) ---
  const fair = generateFair(2000, 40_000, 16, 400);
  const tg = performance.now();
  const res = scheduleFair(fair, { timeLimitMs: budget, exact: 'auto' });
  const total = performance.now() - tg;
  const violations = checkFair(fair, res.meetings);
  if (violations.length > 0)
    throw new Error(`generated fair fails the checker: ${violations.slice(0, 3).join('; ')}`);
  process.stdout.write(
    `generated fair: 2000 participants, 40000 candidate pairs, 16 slots, 400 tables\n` +
      `  ${res.method}: ${res.meetings.length} meetings, value ${res.value.toFixed(1)} of bound ${res.valueBound.toFixed(1)} ` +
      `(gap ${(100 * res.gap).toFixed(1)} %), ${res.idleGaps} idle gaps, ${res.withoutMeeting} left without a feasible meeting, ` +
      `${(total / 1000).toFixed(2)} s (budget ${budget / 1000} s${total > budget ? ', OVER' : ''}), checked\n`,
  );
  emit({
    bench: 'schedule',
    instance: 'generated-2000x40000',
    method: res.method,
    meetings: res.meetings.length,
    value: +res.value.toFixed(2),
    value_bound: +res.valueBound.toFixed(2),
    gap: +res.gap.toFixed(4),
    idle_gaps: res.idleGaps,
    without_meeting: res.withoutMeeting,
    seconds: +(total / 1000).toFixed(2),
    budget_s: budget / 1000,
    checked: true,
  });
  // --- end of the general fair section ---
  // b2b section: the real instances. Heuristic (stops at zero breaks, which the trivial bound
  // proves optimal) for a few seeds within `--b2b-budget` seconds, then the exact HiGHS model
  // for `--exact-limit` seconds: its optimum or incumbent and its bound. Every schedule checked.
  const b2bBudget = Number(values['b2b-budget']);
  const seeds = values.seeds.split(',').map(Number);
  for (const name of ['forum-13.original', 'tic-13.original']) {
    const inst = readB2bInstance(sharedDataPath('b2b', `${name}.json`));
    process.stdout.write(
      `\n${name}: ${inst.meetings.length} meetings, ${inst.slots} slots, ${inst.tables} tables\n`,
    );
    let bestHeuristic = Number.POSITIVE_INFINITY;
    for (const seed of seeds) {
      const h = solveHeuristic(inst, b2bBudget * 1000, seed);
      const c = checkB2b(inst, h.schedule);
      if (!c.valid) throw new Error(`${name}: heuristic schedule fails the checker`);
      bestHeuristic = Math.min(bestHeuristic, c.totalBreaks);
      process.stdout.write(
        `  heuristic seed ${String(seed).padEnd(3)} ${String(c.totalBreaks).padStart(4)} breaks  ${(h.ms / 1000).toFixed(2).padStart(6)} s${c.totalBreaks === 0 ? '  (optimal: bound 0)' : ''}\n`,
      );
      emit({
        bench: 'schedule',
        instance: name,
        method: 'heuristic',
        seed,
        budget_s: b2bBudget,
        breaks: c.totalBreaks,
        seconds: +(h.ms / 1000).toFixed(2),
        checked: true,
      });
    }
    const e = await solveExact(inst, exactLimit);
    const ec = Number.isFinite(e.breaks) ? checkB2b(inst, e.schedule) : null;
    if (ec && !ec.valid) throw new Error(`${name}: exact schedule fails the checker`);
    const bound = Math.max(e.bound, e.optimal ? e.breaks : 0);
    process.stdout.write(
      `  exact (HiGHS)     ${ec ? String(ec.totalBreaks).padStart(4) : '   —'} breaks  ${(e.ms / 1000).toFixed(2).padStart(6)} s  ` +
        `${e.optimal ? 'optimal' : `time limit ${exactLimit} s`}, bound ${bound}\n` +
        `  best ${Math.min(bestHeuristic, ec?.totalBreaks ?? Infinity)} breaks, bound ${bound}, gap ${Math.min(bestHeuristic, ec?.totalBreaks ?? Infinity) - bound}\n`,
    );
    emit({
      bench: 'schedule',
      instance: name,
      method: 'exact',
      breaks: ec ? ec.totalBreaks : null,
      bound,
      optimal: e.optimal,
      seconds: +(e.ms / 1000).toFixed(2),
      gap_best: Math.min(bestHeuristic, ec?.totalBreaks ?? Infinity) - bound,
    });
  }
}
