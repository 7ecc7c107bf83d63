import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
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

export type Inject = (opts: InjectOptions | string) => Promise<LightMyRequestResponse>;

export interface TestService {
  config: Config;
  rt: Runtime;
  app: FastifyInstance;
  /** The admin key the first start wrote to DATA_DIR/admin.key, as a new user finds it. */
  adminKey: string;
  /** `app.inject` with the admin key: tests that are not about access act as an admin. */
  inject: Inject;
  /** `app.inject` with another key. */
  as(key: string): Inject;
  /** A new key of a role, made through `POST /v1/api-keys` by the admin, as a user would. */
  key(
    role: 'admin' | 'organiser' | 'analyst' | 'enterprise',
    organisationId?: string,
  ): Promise<string>;
  close(): Promise<void>;
}

/** `app.inject` that sends `Authorization: Bearer key`. */
export function injectAs(app: FastifyInstance, key: string): Inject {
  return (opts) => {
    const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
    return app.inject({ ...o, headers: { ...o.headers, authorization: `Bearer ${key}` } });
  };
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
  const adminKey =
    config.ADMIN_API_KEY ?? readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
  const inject = injectAs(app, adminKey);
  return {
    config,
    rt,
    app,
    adminKey,
    inject,
    as: (key) => injectAs(app, key),
    key: async (role, organisationId) => {
      const res = await inject({
        method: 'POST',
        url: '/v1/api-keys',
        payload: { role, name: `test ${role}`, ...(organisationId ? { organisationId } : {}) },
      });
      if (res.statusCode !== 201) throw new Error(`key creation failed: ${res.body}`);
      return res.json<{ key: string }>().key;
    },
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
    if (last) return last;
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
