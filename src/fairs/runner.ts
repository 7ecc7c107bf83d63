import { Worker } from 'node:worker_threads';
import type { FairSchedule, FairInstance, Meeting } from './scheduler/fair.ts';
import type { UnscheduledReason } from './scheduler/diagnose.ts';
import type { ScheduleOptions } from './scheduler/fair.ts';
import type { FairDiff } from './scheduler/replan.ts';

export type ScheduleJob =
  | { kind: 'schedule'; instance: FairInstance; options: ScheduleOptions }
  | { kind: 'replan'; instance: FairInstance; published: Meeting[]; options: ScheduleOptions };

export interface ScheduleJobResult {
  schedule: FairSchedule;
  diff?: FairDiff;
  /** `checkFair` on the result: empty unless the scheduler is wrong. */
  violations: string[];
  unscheduled: { candidate: number; reason: UnscheduledReason; detail: string }[];
}

const BOOT = new URL('./worker-boot.js', import.meta.url);
const ENTRY = new URL('./schedule-worker.ts', import.meta.url).href;

/**
 * Runs each scheduling job in its own worker thread (a fresh one per job: jobs are rare and
 * long, and a thread that is terminated mid-solve leaves nothing behind).
 */
export class FairRunner {
  private readonly active = new Set<Worker>();

  run(job: ScheduleJob): Promise<ScheduleJobResult> {
    return new Promise((resolve, reject) => {
      const w = new Worker(BOOT, { workerData: { entry: ENTRY, job } });
      this.active.add(w);
      let settled = false;
      const done = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.active.delete(w);
        fn();
      };
      w.once('message', (m: { ok: boolean; result?: ScheduleJobResult; error?: string }) => {
        done(() => (m.ok && m.result ? resolve(m.result) : reject(new Error(m.error))));
        void w.terminate();
      });
      w.once('error', (err) => done(() => reject(err)));
      w.once('exit', (code) =>
        done(() => reject(new Error(`scheduling worker exited with code ${code}`))),
      );
    });
  }

  /** Stops every running job (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.active].map((w) => w.terminate()));
    this.active.clear();
  }
}
