/**
 * Writes a model in CPLEX-LP text, the format HiGHS reads. Kept apart from `highs.ts` so that
 * building a model never loads the solver (that module loads HiGHS when imported).
 */
export interface LpModel {
  sense: 'Maximize' | 'Minimize';
  /** The objective's terms, already joined (`3 x1 + 2 x2`). */
  objective: string;
  /** Constraint rows (` name: … <= …`). */
  rows: readonly string[];
  /** Bound lines (` 0 <= x1 <= 1`). */
  bounds: readonly string[];
  /** Variables declared binary. */
  binaries?: readonly string[];
}

export function lpText(m: LpModel): string {
  return [
    m.sense,
    ` obj: ${m.objective}`,
    'Subject To',
    ...m.rows,
    'Bounds',
    ...m.bounds,
    ...(m.binaries && m.binaries.length > 0 ? ['Binary', ...m.binaries.map((b) => ` ${b}`)] : []),
    'End',
  ].join('\n');
}
