import { parseArgs } from 'node:util';
import { readB2bInstance } from '../src/fairs/b2b.ts';
import { checkB2b, checkFair } from '../src/fairs/checker.ts';
import { scheduleFair } from '../src/fairs/scheduler/fair.ts';
import { generateFair } from '../src/fairs/scheduler/generate.ts';
import { solveExact, solveHeuristic } from '../src/fairs/scheduler/b2b-solver.ts';
import { sharedDataPath } from '../src/util/shared-data.ts';
import { emit } from './lib/listings.ts';

/**
 * The real b2b instances: the heuristic at several time budgets against the exact HiGHS model
 * given `--exact-limit` seconds (default 60). Every schedule is checked.
 */
export { generateFair } from '../src/fairs/scheduler/generate.ts';

export default async function scheduleBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'exact-limit': { type: 'string', default: '60' },
      budget: { type: 'string', default: '3000' },
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
  for (const name of ['forum-13.original', 'tic-13.original']) {
    const inst = readB2bInstance(sharedDataPath('b2b', `${name}.json`));
    const runs = [];
    for (const budget of [1000, 5000, 20000]) {
      const h = solveHeuristic(inst, budget);
      const c = checkB2b(inst, h.schedule);
      if (!c.valid) throw new Error(`${name}: heuristic schedule fails the checker`);
      runs.push({
        method: `heuristic ${budget / 1000}s`,
        gaps: c.totalBreaks,
        seconds: h.ms / 1000,
        optimal: false,
      });
    }
    const e = await solveExact(inst, exactLimit);
    if (Number.isFinite(e.breaks) && !checkB2b(inst, e.schedule).valid)
      throw new Error(`${name}: exact schedule fails the checker`);
    runs.push({
      method: `exact ${exactLimit}s`,
      gaps: e.breaks,
      seconds: e.ms / 1000,
      optimal: e.optimal,
    });
    process.stdout.write(
      `\n${name}: ${inst.meetings.length} meetings, ${inst.slots} slots, ${inst.tables} tables; bound ${e.bound}\n`,
    );
    for (const r of runs) {
      process.stdout.write(
        `  ${r.method.padEnd(16)} ${String(r.gaps).padStart(4)} idle gaps  ${r.seconds.toFixed(1).padStart(6)} s${r.optimal ? '  (proven optimal)' : ''}\n`,
      );
      emit({
        bench: 'schedule',
        instance: name,
        method: r.method,
        idle_gaps: Number.isFinite(r.gaps) ? r.gaps : null,
        seconds: +r.seconds.toFixed(2),
        optimal: r.optimal,
        bound: e.bound,
      });
    }
  }
}
