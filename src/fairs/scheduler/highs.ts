/**
 * The HiGHS solver, loaded once when this module is first imported (top-level await), so the
 * fair scheduler can stay synchronous: `solve` itself is synchronous in the package.
 */
import highsModule from 'highs';

export interface LpResult {
  Status: string;
  ObjectiveValue: number;
  Columns: Record<string, { Primal: number } | undefined>;
}

export interface Highs {
  solve: (lp: string, options: object) => LpResult;
}

// The package is CommonJS: its default export is the loader function.
export const highs: Highs = await (highsModule as unknown as () => Promise<Highs>)();

/** Solves a CPLEX-LP text; a solver error (bad model, out of memory) comes back as null. */
export function solveLp(lp: string, options: object): LpResult | null {
  try {
    return highs.solve(lp, { output_flag: false, ...options });
  } catch {
    return null;
  }
}
