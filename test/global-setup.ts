import { resolve } from 'node:path';
import { ensureRandomModel } from '../models/generate-random-bert.ts';
import { repoRoot } from '../src/util/shared-data.ts';

/** Every test run has the tiny generated model (deterministic, git-ignored, made in ~1 s). */
export default async function setup(): Promise<void> {
  await ensureRandomModel('tiny', resolve(repoRoot, 'models/generated/tiny'));
}
