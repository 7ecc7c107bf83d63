import { readFileSync } from 'node:fs';
import { sharedDataPath } from '../../src/util/shared-data.ts';

export interface RealListing {
  title: string;
  description: string;
}

/** Real posted listings (read by path from ../shared, never copied): realistic text lengths. */
export function loadZhibei(side: 'needs' | 'offers'): RealListing[] {
  const file = sharedDataPath('listings', 'zhibei', `${side}.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { title?: string; text?: string })
    .filter((r) => r.title && r.text)
    .map((r) => ({ title: r.title!.slice(0, 200), description: r.text!.slice(0, 10_000) }));
}

/** Prints a JSON result line that machines read (and people can skip). */
export function emit(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
