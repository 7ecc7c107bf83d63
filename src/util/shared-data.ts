import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's location. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Path of a file under the workplace's shared data (`../shared/data` beside the repository).
 * Throws with a clear message when it is absent, so a test or benchmark that needs it fails
 * loudly instead of passing on nothing.
 */
export function sharedDataPath(...parts: string[]): string {
  const root = resolve(repoRoot, '..', 'shared', 'data');
  const p = resolve(root, ...parts);
  if (!existsSync(p)) {
    throw new Error(
      `shared data not found: ${p}. This needs the workplace's ../shared/data folder beside the repository.`,
    );
  }
  return p;
}
