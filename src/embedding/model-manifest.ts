import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/**
 * Our description of a model directory. Optional: a published transformers.js model without one
 * gets defaults from its config.json (mean pooling, normalised, no prefixes).
 */
export const ModelManifestSchema = Type.Object({
  id: Type.Optional(Type.String()),
  dimension: Type.Optional(Type.Integer({ minimum: 1 })),
  pooling: Type.Optional(Type.Union([Type.Literal('mean'), Type.Literal('cls')])),
  normalize: Type.Optional(Type.Boolean()),
  maxLength: Type.Optional(Type.Integer({ minimum: 1 })),
  queryPrefix: Type.Optional(Type.String()),
  passagePrefix: Type.Optional(Type.String()),
});

/** What the embedder needs to know about a model, resolved from manifest and config. */
export interface ModelInfo {
  /** Name plus a digest of the weights: two different weight files never share an id. */
  id: string;
  name: string;
  dir: string;
  dimension: number;
  pooling: 'mean' | 'cls';
  normalize: boolean;
  maxLength: number;
  queryPrefix: string;
  passagePrefix: string;
}

/** Reads a model directory's manifest and config, and fingerprints its ONNX weights. */
export async function readModelInfo(dir: string): Promise<ModelInfo> {
  const configFile = join(dir, 'config.json');
  const onnxFile = join(dir, 'onnx', 'model.onnx');
  if (!existsSync(configFile) || !existsSync(onnxFile)) {
    throw new Error(
      `${dir} is not a transformers.js model directory (needs config.json and onnx/model.onnx)`,
    );
  }
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const manifestFile = join(dir, 'manifest.json');
  const raw: unknown = existsSync(manifestFile)
    ? JSON.parse(readFileSync(manifestFile, 'utf8'))
    : {};
  if (!Value.Check(ModelManifestSchema, raw)) {
    throw new Error(`${manifestFile} does not fit the manifest schema`);
  }
  const m: Static<typeof ModelManifestSchema> = raw;
  const hidden = typeof config.hidden_size === 'number' ? config.hidden_size : undefined;
  const dimension = m.dimension ?? hidden;
  if (dimension === undefined)
    throw new Error(`${dir}: no dimension in manifest.json or config.json`);
  const name = m.id ?? basename(dir);
  const digest = await sha256File(onnxFile);
  return {
    id: `${name}@${digest.slice(0, 12)}`,
    name,
    dir,
    dimension,
    pooling: m.pooling ?? 'mean',
    normalize: m.normalize ?? true,
    maxLength: m.maxLength ?? 512,
    queryPrefix: m.queryPrefix ?? '',
    passagePrefix: m.passagePrefix ?? '',
  };
}

/** Streams a file through SHA-256, so large weights do not need to sit in memory twice. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
