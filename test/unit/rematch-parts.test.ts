import { describe, expect, it } from 'vitest';
import { formatDuration, progressLine } from '../../src/cli/progress.ts';
import { diffPairs } from '../../src/rematch/diff.ts';
import { csvLine, escapeFormula } from '../../src/rematch/export.ts';
import { DEFAULT_WEIGHTS, rankPairsDense } from '../../src/rematch/rank.ts';
import type { StoredPair } from '../../src/rematch/repo.ts';
import type { Run } from '../../src/rematch/schemas.ts';

// Pure parts of match runs: no database, no queue.
describe('rematch parts', () => {
  it('escapes cells a spreadsheet would run as formulas, and quotes CSV fields', () => {
    for (const bad of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])
      expect(escapeFormula(bad)).toBe(`'${bad}`);
    expect(escapeFormula('电池 = 能源')).toBe('电池 = 能源');
    expect(csvLine(['a,b', 'say "hi"', '=cmd', -3, null, 0.5])).toBe(
      `"a,b","say ""hi""",'=cmd,-3,,0.5\r\n`,
    );
  });

  it('diffs two runs: new, dropped, moved; equal runs give nothing', () => {
    const p = (queryId: string, rank: number, candidateId: string): StoredPair => ({
      queryId,
      rank,
      candidateId,
      score: 1 - rank / 10,
      reasons: '{}',
    });
    const a = [p('q1', 1, 'x'), p('q1', 2, 'y'), p('q1', 3, 'z'), p('q3', 1, 'x')];
    const b = [p('q1', 1, 'y'), p('q1', 2, 'x'), p('q1', 3, 'w'), p('q2', 1, 'x'), p('q3', 1, 'x')];
    const summary = { new: 0, dropped: 0, moved: 0, unchanged: 0 };
    const entries = [...diffPairs(a, b, summary)].map((e) => [
      e.queryId,
      e.candidateId,
      e.change,
      e.rankA,
      e.rankB,
    ]);
    expect(entries).toEqual([
      ['q1', 'y', 'moved', 2, 1],
      ['q1', 'x', 'moved', 1, 2],
      ['q1', 'w', 'new', null, 3],
      ['q1', 'z', 'dropped', 3, null],
      ['q2', 'x', 'new', null, 1],
    ]);
    expect(summary).toEqual({ new: 2, dropped: 1, moved: 2, unchanged: 1 });
    const same = { new: 0, dropped: 0, moved: 0, unchanged: 0 };
    expect([...diffPairs(a, a, same)]).toEqual([]);
    expect(same.unchanged).toBe(4);
  });

  it('ranks by score with ties broken by id; bonuses follow the weights', () => {
    const c = (id: string, dense: number, industry: string | null = null) => ({
      listing: { id, industry, regionCode: null },
      dense,
    });
    const q = { id: 'q', industry: 'energy', regionCode: null };
    const dense = rankPairsDense(
      q,
      [c('b', 0.9), c('a', 0.9), c('c', 0.95, 'energy')],
      2,
      DEFAULT_WEIGHTS,
    );
    expect(dense.map((p) => [p.candidateId, p.rank])).toEqual([
      ['c', 1],
      ['a', 2],
    ]);
    expect(dense[0]!.reasons).toEqual({ dense: 0.95 });
    const bonus = rankPairsDense(q, [c('a', 0.9), c('c', 0.8, 'energy')], 2, {
      ...DEFAULT_WEIGHTS,
      industry: 0.2,
    });
    expect(bonus.map((p) => p.candidateId)).toEqual(['c', 'a']);
    expect(bonus[0]!.reasons).toEqual({ dense: 0.8, industry: 1 });
    expect(bonus[0]!.score).toBe(1);
  });

  it('writes a progress line with rate and ETA', () => {
    const run = {
      id: 7,
      status: 'running',
      side: 'need',
      progress: {
        doneListings: 250,
        totalListings: 1000,
        doneChunks: 1,
        totalChunks: 4,
        pairs: 0,
        percent: 25,
        rate: 50,
        etaSeconds: 15,
      },
    } as unknown as Run;
    expect(progressLine(run, { bar: true, width: 8 })).toBe(
      '[##......] run 7 running 25.0% 250/1000 needs, chunks 1/4, 50.0 needs/s ETA 15s',
    );
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(65)).toBe('1m05s');
  });
});
