import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime.ts';
import { repoRoot } from '../../src/util/shared-data.ts';

/** The generated tiny random BERT (made by the global setup): real loading code, fast. */
export const TINY_MODEL = resolve(repoRoot, 'models/generated/tiny');

/** A fresh data dir and a unique queue prefix: every test is isolated from every other. */
export function testEnv(overrides: Record<string, string> = {}): {
  env: Record<string, string>;
  dataDir: string;
  cleanup: () => void;
} {
  const dataDir = mkdtempSync(join(tmpdir(), 'techmatch-test-'));
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    MODEL_PATH: TINY_MODEL,
    QUEUE_MODE: 'inprocess',
    QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    JOB_BACKOFF_MS: '50',
    INDEX_SYNC_MS: '50',
    EMBED_BATCH_WAIT_MS: '2',
    ...overrides,
  };
  return { env, dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

export interface TestService {
  config: Config;
  rt: Runtime;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A runtime and app in this process, as `npm start` builds them. */
export async function startService(
  env: Record<string, string>,
  opts: RuntimeOptions = { withIndex: true, runWorker: true },
): Promise<TestService> {
  const config = loadConfig(env);
  const log = createLogger(config.LOG_LEVEL, 'test');
  const rt = await createRuntime(config, log, opts);
  const app = await buildApp(rt);
  await app.ready();
  await rt.sweepPending();
  return {
    config,
    rt,
    app,
    close: async () => {
      await app.close();
      await rt.close();
    },
  };
}

/** Polls `fn` until it returns a truthy value; never a fixed sleep. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const t0 = Date.now();
  let last: T | undefined;
  while (Date.now() - t0 < timeoutMs) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`,
  );
}

/** Sample listings written for the tests (no shared data copied). */
export const SAMPLE = {
  battery: {
    title: '动力电池回收梯次利用技术',
    description: '需要退役锂离子动力电池的快速检测、分选与梯次利用技术，用于储能电站。',
    keywords: ['锂电池', '梯次利用', '储能'],
  },
  water: {
    title: '工业废水深度处理',
    description: '印染企业寻求高盐难降解工业废水的深度处理与回用工艺，要求运行成本低。',
    keywords: ['废水处理', '膜分离'],
  },
  vision: {
    title: 'Machine vision defect inspection',
    description:
      'Automated optical inspection of surface defects on steel strips with deep learning models.',
    keywords: ['machine vision', 'defect detection'],
  },
} as const;
