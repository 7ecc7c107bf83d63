import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureRandomModel } from '../../models/generate-random-bert.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { repoRoot } from '../util/shared-data.ts';

/** Where the random fixture goes when no real model is configured or shipped. */
export const FALLBACK_MODEL_DIR = resolve(repoRoot, 'models/generated/tiny');

/**
 * Makes sure the configured model exists. When it is the generated fixture (no shipped model
 * yet), it is generated on the spot — a fresh clone must start with zero setup — and the log
 * says plainly that its matches carry no meaning.
 */
export async function ensureModel(config: Config, log: Logger): Promise<void> {
  if (existsSync(join(config.modelPath, 'config.json'))) return;
  if (config.modelPath !== FALLBACK_MODEL_DIR) {
    throw new Error(`MODEL_PATH ${config.modelPath} is not a model directory (no config.json)`);
  }
  await ensureRandomModel('tiny', FALLBACK_MODEL_DIR);
  log.warn({ dir: FALLBACK_MODEL_DIR }, 'no default model found: using a random-weight fixture, matches carry no meaning');
}
