import Type, { type Static } from 'typebox';
import type { MatchRunRow } from '../db/schema.ts';
import { Side } from '../listings/schemas.ts';

/** The body of `POST /v1/runs`: every field has a default. */
export function createRunSchema(limits: { kMax: number }) {
  return Type.Object(
    {
      side: Type.Optional(
        Type.Union([Type.Literal('need'), Type.Literal('offer')], {
          description: 'which listings to match: "need" finds offers for every need (default)',
        }),
      ),
      filter: Type.Optional(
        Type.Object(
          {
            industry: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            region: Type.Optional(
              Type.String({ pattern: '^[1-8][0-9]{0,5}$', description: 'region code prefix' }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
      k: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.kMax })),
      exact: Type.Optional(Type.Boolean({ description: 'brute force instead of HNSW' })),
      ef: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      modelId: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
      weights: Type.Optional(
        Type.Object(
          {
            dense: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
            industry: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
            region: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
          },
          { additionalProperties: false },
        ),
      ),
      chunkSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
      recallSample: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    },
    { additionalProperties: false },
  );
}

export const RunStatus = Type.Union([
  Type.Literal('running'),
  Type.Literal('completed'),
  Type.Literal('cancelled'),
  Type.Literal('failed'),
]);

export const Run = Type.Object({
  id: Type.Integer(),
  status: RunStatus,
  side: Side,
  modelId: Type.String(),
  params: Type.Object({
    k: Type.Integer(),
    exact: Type.Boolean(),
    ef: Type.Integer(),
    filter: Type.Object({
      industry: Type.Optional(Type.String()),
      region: Type.Optional(Type.String()),
    }),
    chunkSize: Type.Integer(),
    recallStride: Type.Integer(),
  }),
  weights: Type.Record(Type.String(), Type.Number()),
  progress: Type.Object({
    doneChunks: Type.Integer(),
    totalChunks: Type.Integer(),
    doneListings: Type.Integer(),
    totalListings: Type.Integer(),
    pairs: Type.Integer(),
    percent: Type.Number(),
    /** Listings per second since the run was created. */
    rate: Type.Number(),
    etaSeconds: Type.Union([Type.Number(), Type.Null()]),
  }),
  recallAt10: Type.Union([Type.Number(), Type.Null()], {
    description: 'HNSW against brute force on the sampled listings (so far)',
  }),
  stats: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type Run = Static<typeof Run>;

/** The API's view of a run row, with progress, rate and ETA worked out. */
export function runView(r: MatchRunRow, now = Date.now()): Run {
  const end = r.finishedAt?.getTime() ?? now;
  const seconds = Math.max(0.001, (end - r.createdAt.getTime()) / 1000);
  const rate = r.doneListings / seconds;
  const left = r.totalListings - r.doneListings;
  return {
    id: r.id,
    status: r.status,
    side: r.side,
    modelId: r.modelId,
    params: r.params,
    weights: r.weights,
    progress: {
      doneChunks: r.doneChunks,
      totalChunks: r.totalChunks,
      doneListings: r.doneListings,
      totalListings: r.totalListings,
      pairs: r.pairCount,
      percent: r.totalChunks === 0 ? 100 : Math.round((r.doneChunks / r.totalChunks) * 1000) / 10,
      rate: Math.round(rate * 10) / 10,
      etaSeconds: r.status !== 'running' ? null : rate > 0 ? Math.round(left / rate) : null,
    },
    recallAt10: r.recallTotal > 0 ? Math.round((r.recallHits / r.recallTotal) * 1e4) / 1e4 : null,
    stats: r.stats ?? null,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export const RunIdParams = Type.Object(
  { id: Type.Integer({ minimum: 1, description: 'match run id' }) },
  { additionalProperties: false },
);

export const DiffParams = Type.Object(
  { a: Type.Integer({ minimum: 1 }), b: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const ExportFormat = Type.Union(
  [Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')],
  {
    default: 'json',
  },
);

export const DiffEntrySchema = Type.Object({
  change: Type.Union([Type.Literal('new'), Type.Literal('dropped'), Type.Literal('moved')]),
  needId: Type.String(),
  offerId: Type.String(),
  rankA: Type.Union([Type.Integer(), Type.Null()]),
  rankB: Type.Union([Type.Integer(), Type.Null()]),
  scoreA: Type.Union([Type.Number(), Type.Null()]),
  scoreB: Type.Union([Type.Number(), Type.Null()]),
});

export const DiffSummarySchema = Type.Object({
  new: Type.Integer(),
  dropped: Type.Integer(),
  moved: Type.Integer(),
  unchanged: Type.Integer(),
});

export const PairSchema = Type.Object({
  needId: Type.String(),
  offerId: Type.String(),
  rank: Type.Integer(),
  score: Type.Number(),
  reasons: Type.Record(Type.String(), Type.Number()),
});
