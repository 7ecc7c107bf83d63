import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { FEATURES, RankWeightsSchema, type PartialWeights } from './matching/features.ts';
import { repoRoot } from './util/shared-data.ts';

/**
 * The whole environment the service reads, in one schema. Nothing else reads `process.env`:
 * entry points call `loadConfig(process.env)` and pass the result down.
 */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Runtime state: the SQLite database and index snapshots. */
  DATA_DIR: Type.String({ default: 'data' }),
  /** Redis for BullMQ. Unset: try 127.0.0.1:6379, fall back to in-process jobs if none answers. */
  REDIS_URL: Type.Optional(Type.String()),
  /** auto = BullMQ when Redis answers, else in-process; the other two force one transport. */
  QUEUE_MODE: Type.Union(
    [Type.Literal('auto'), Type.Literal('bullmq'), Type.Literal('inprocess')],
    {
      default: 'auto',
    },
  ),
  /** Prefix of BullMQ keys, so several deployments (or tests) can share one Redis. */
  QUEUE_PREFIX: Type.String({ default: 'techmatch' }),
  /** Run the embedding worker inside the API process (the default for one machine). */
  WORKER_IN_API: Type.Boolean({ default: true }),
  WORKER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1024, default: 64 }),
  JOB_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  JOB_BACKOFF_MS: Type.Integer({ minimum: 0, default: 1000 }),
  /** How long a worker's job lock lives; a killed worker's jobs are retried after about this.
   * Long, because a job waits in the embedder's batch queue behind whole batches. */
  JOB_LOCK_MS: Type.Integer({ minimum: 1000, default: 120_000 }),
  /** A transformers.js model directory (config.json, tokenizer.json, onnx/model.onnx). */
  MODEL_PATH: Type.Optional(Type.String()),
  EMBED_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 512, default: 32 }),
  /** How long the embedder waits to fill a batch before running a partial one. */
  EMBED_BATCH_WAIT_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
  EMBED_MAX_TOKENS: Type.Integer({ minimum: 8, maximum: 8192, default: 256 }),
  /** How often the API pulls vectors stored by other processes into its index. */
  INDEX_SYNC_MS: Type.Integer({ minimum: 10, default: 250 }),
  /** How often every process checks the database for a switch of the active model (reembed). */
  MODEL_CHECK_MS: Type.Integer({ minimum: 50, default: 2000 }),
  /** Snapshot the index after this many changes (and always at shutdown). */
  INDEX_SNAPSHOT_EVERY: Type.Integer({ minimum: 1, default: 5000 }),
  HNSW_M: Type.Integer({ minimum: 4, maximum: 128, default: 16 }),
  HNSW_EF_CONSTRUCTION: Type.Integer({ minimum: 10, default: 200 }),
  HNSW_EF_SEARCH: Type.Integer({ minimum: 10, default: 100 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
  BULK_MAX_ITEMS: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  TITLE_MAX_CHARS: Type.Integer({ minimum: 10, default: 200 }),
  DESCRIPTION_MAX_CHARS: Type.Integer({ minimum: 100, default: 10_000 }),
  MATCH_MAX_LIMIT: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  /** Listings per rematch chunk (one job): small enough to retry cheaply, large enough to batch writes. */
  REMATCH_CHUNK_SIZE: Type.Integer({ minimum: 1, maximum: 100_000, default: 500 }),
  /** Default and largest top-k of a match run. */
  REMATCH_K: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  REMATCH_K_MAX: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  /** HNSW search breadth of match runs (recall against speed; see `npm run bench -- rematch`). */
  REMATCH_EF: Type.Integer({ minimum: 1, maximum: 10_000, default: 128 }),
  /** Listings of an HNSW run also searched exactly, for its recall@10 (0: no check). */
  REMATCH_RECALL_SAMPLE: Type.Integer({ minimum: 0, maximum: 100_000, default: 200 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /**
   * Accepted as an admin API key (deployments that inject secrets). Unset: the first start
   * creates an admin key and writes it to DATA_DIR/admin.key.
   */
  ADMIN_API_KEY: Type.Optional(Type.String({ minLength: 24, maxLength: 100 })),
  /** Ranking weights as JSON, e.g. {"semantic":0.5,"lexical":0.4}; unnamed features keep defaults. */
  RANK_WEIGHTS: Type.Optional(Type.String()),
});

/** The parsed, typed configuration. */
export type Config = Static<typeof ConfigSchema> & {
  /** Absolute paths derived from the raw values. */
  dataDir: string;
  modelPath: string;
  databaseFile: string;
  indexDir: string;
  rankWeights: PartialWeights | undefined;
};

/** Raised when the environment does not fit the schema; the message lists every bad variable. */
export class ConfigError extends Error {}

/** Parses the environment once; unknown variables are ignored, bad ones throw `ConfigError`. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const keys = Object.keys(ConfigSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const k of keys) {
    const v = env[k];
    if (v !== undefined && v !== '') raw[k] = v;
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  if (!Value.Check(ConfigSchema, converted)) {
    const problems = Value.Errors(ConfigSchema, converted)
      .map((e) => `${e.instancePath.slice(1) || '(root)'}: ${e.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const c = converted;
  const dataDir = resolve(repoRoot, c.DATA_DIR);
  return {
    ...c,
    dataDir,
    modelPath: resolve(repoRoot, c.MODEL_PATH ?? defaultModelPath()),
    databaseFile: resolve(dataDir, 'techmatch.sqlite'),
    indexDir: resolve(dataDir, 'index'),
    rankWeights: parseWeights(c.RANK_WEIGHTS),
  };
}

/** The HNSW build and search parameters the config sets. */
export function hnswParams(c: Config): { m: number; efConstruction: number; efSearch: number } {
  return { m: c.HNSW_M, efConstruction: c.HNSW_EF_CONSTRUCTION, efSearch: c.HNSW_EF_SEARCH };
}

function parseWeights(raw: string | undefined): PartialWeights | undefined {
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ConfigError('invalid configuration: RANK_WEIGHTS is not JSON');
  }
  if (!Value.Check(RankWeightsSchema, v)) {
    throw new ConfigError(
      `invalid configuration: RANK_WEIGHTS must map features (${FEATURES.join(', ')}) to numbers 0–100`,
    );
  }
  return v;
}

/** The shipped default model when present, else the generated random fixture. */
function defaultModelPath(): string {
  const shipped = resolve(repoRoot, 'models/default');
  return existsSync(resolve(shipped, 'config.json'))
    ? shipped
    : resolve(repoRoot, 'models/generated/tiny');
}
