import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readB2bInstance } from '../../src/fairs/b2b.ts';
import { checkB2b } from '../../src/fairs/checker.ts';
import { DEFAULT_TIME_LIMIT_S } from '../../src/cli/schedule.ts';
import { solveHeuristic } from '../../src/fairs/scheduler/b2b-solver.ts';
import { repoRoot, sharedDataPath } from '../../src/util/shared-data.ts';

// The real brokerage-event instances from ../shared/data/b2b (fails loudly if absent). Every
// schedule is checked by our checker; one is also checked by the check.mjs shipped with the data.
const dir = mkdtempSync(join(tmpdir(), 'b2b-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the shipped reference checker on a schedule file and returns its report. */
function referenceCheck(instanceFile: string, scheduleFile: string) {
  return JSON.parse(
    execFileSync(process.execPath, [sharedDataPath('b2b', 'check.mjs'), instanceFile, scheduleFile])
      .toString()
      .trim(),
  ) as { valid: boolean; total_breaks: number };
}

describe.each(['forum-13.original', 'tic-13.original'])('%s', (name) => {
  it(
    'is solved to zero breaks (the proven optimum) within the CLI default time limit, every meeting placed',
    () => {
      const file = sharedDataPath('b2b', `${name}.json`);
      const inst = readB2bInstance(file);
      const res = solveHeuristic(inst, DEFAULT_TIME_LIMIT_S * 1000, 1);
      const ours = checkB2b(inst, res.schedule);
      expect(ours.violations).toEqual([]);
      expect(Object.keys(res.schedule)).toHaveLength(inst.meetings.length);
      expect(ours.totalBreaks).toBe(res.breaks);
      // Zero is a lower bound on breaks, so zero is optimal.
      expect(ours.totalBreaks).toBe(0);
      expect(res.optimal).toBe(true);
      expect(res.ms).toBeLessThan(DEFAULT_TIME_LIMIT_S * 1000 + 1000);

      const out = join(dir, `${name}.schedule.json`);
      writeFileSync(out, JSON.stringify(res.schedule));
      const theirs = referenceCheck(file, out);
      expect(theirs.valid).toBe(true);
      expect(theirs.total_breaks).toBe(ours.totalBreaks);
    },
    (DEFAULT_TIME_LIMIT_S + 30) * 1000,
  );
});

it('the heuristic gives the same schedule for the same seed', () => {
  const inst = readB2bInstance(sharedDataPath('b2b', 'tic-13.original.json'));
  const a = solveHeuristic(inst, DEFAULT_TIME_LIMIT_S * 1000, 5);
  const b = solveHeuristic(inst, DEFAULT_TIME_LIMIT_S * 1000, 5);
  expect(a.breaks).toBe(0);
  expect(checkB2b(inst, b.schedule).valid).toBe(true);
  expect(b.schedule).toEqual(a.schedule);
}, 120_000);

describe('matchmaker schedule', () => {
  it('prints meetings, idle gaps, bound and time, and writes a schedule check.mjs accepts', () => {
    const file = sharedDataPath('b2b', 'tic-13.original.json');
    const out = join(dir, 'cli.json');
    const r = spawnSync(
      process.execPath,
      [resolve(repoRoot, 'bin/matchmaker.js'), 'schedule', '--instance', file, '--out', out],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/scheduled\s+180\/180 meetings/);
    expect(r.stdout).toMatch(/idle gaps\s+0 \(heuristic, proven optimal\)/);
    expect(r.stdout).toMatch(/bound\s+0\s+gap 0/);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ scheduled: 180, idle_gaps: 0, bound: 0, gap: 0, optimal: true });
    expect(typeof last.seconds).toBe('number');
    const theirs = referenceCheck(file, out);
    expect(theirs.valid).toBe(true);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toBeTypeOf('object');
  }, 120_000);

  it('rejects a file that is not an instance with exit code 2 and a clear message', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'nope' }));
    const r = spawnSync(
      process.execPath,
      [resolve(repoRoot, 'bin/matchmaker.js'), 'schedule', '--instance', bad],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a b2b-instance\/1 file/);
  }, 60_000);
});
