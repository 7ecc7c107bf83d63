/**
 * Worker thread body: one scheduling or re-planning job over plain data. The scheduler (and
 * HiGHS, when it uses it) blocks while it works, so it never runs on the API's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkFair } from './checker.ts';
import { scheduleFair } from './scheduler/fair.ts';
import { explainUnscheduled } from './scheduler/diagnose.ts';
import { replanFair } from './scheduler/replan.ts';
import type { ScheduleJob, ScheduleJobResult } from './runner.ts';

function run(job: ScheduleJob): ScheduleJobResult {
  const { schedule, diff } =
    job.kind === 'replan'
      ? replanFair(job.instance, job.published, job.options)
      : { schedule: scheduleFair(job.instance, job.options), diff: undefined };
  return {
    schedule,
    diff,
    violations: checkFair(job.instance, schedule.meetings),
    unscheduled: explainUnscheduled(job.instance, schedule.meetings),
  };
}

const job = (workerData as { job: ScheduleJob }).job;
try {
  parentPort?.postMessage({ ok: true, result: run(job) });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}
