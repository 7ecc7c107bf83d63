import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { AppError } from '../http/errors.ts';
import { errorResponses, IdParams } from '../http/schemas.ts';
import { Maturity, Side } from '../listings/schemas.ts';
import type { Runtime } from '../runtime.ts';
import { FEATURES, RankWeightsSchema, type PartialWeights } from './features.ts';
import type { RankFilters, Ranker } from './ranker.ts';

export const MatchItemSchema = Type.Object({
  id: Type.String(),
  side: Side,
  score: Type.Number({
    description: 'weighted sum of the components, 0–1; the same from either side of the pair',
  }),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()], {
    description: 'null when the listing is confidential',
  }),
  keywords: Type.Array(Type.String()),
  industry: Type.Union([Type.String(), Type.Null()]),
  regionCode: Type.Union([Type.String(), Type.Null()]),
  maturity: Type.Union([Type.String(), Type.Null()]),
  organisationId: Type.Union([Type.String(), Type.Null()]),
  components: Type.Object(Object.fromEntries(FEATURES.map((f) => [f, Type.Number()]))),
  reasons: Type.Array(Type.Object({ code: Type.String(), zh: Type.String(), en: Type.String() })),
});

const Mode = Type.Union(
  [Type.Literal('full'), Type.Literal('hybrid'), Type.Literal('dense'), Type.Literal('lexical')],
  {
    default: 'full',
  },
);
const Matches = Type.Object({ items: Type.Array(MatchItemSchema) });

/** "semantic=0.6,lexical=0.3" → weights; unknown names or bad numbers are a 400. */
export function parseWeightsParam(raw: string | undefined): PartialWeights | undefined {
  if (raw === undefined) return undefined;
  const w: Record<string, number> = {};
  for (const part of raw.split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (
      !k ||
      !(FEATURES as readonly string[]).includes(k) ||
      v === undefined ||
      !Number.isFinite(n) ||
      n < 0 ||
      n > 100
    ) {
      throw new AppError(
        'validation_failed',
        `weights: "${part}" is not feature=number (features: ${FEATURES.join(', ')}; 0–100)`,
      );
    }
    w[k] = n;
  }
  return w;
}

function ranker(rt: Runtime): Ranker {
  if (!rt.ranker) throw new AppError('unavailable', 'this process keeps no vector index');
  return rt.ranker;
}

/** Ranked matches for a stored listing (both sides) and for free text. */
export function matchRoutes(app: FastifyInstance, rt: Runtime): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const [side, path] of [
    ['need', 'needs'],
    ['offer', 'offers'],
  ] as const) {
    r.get(`/v1/${path}/:id/matches`, {
      config: { access: ['organiser', 'analyst', 'enterprise'] },
      schema: {
        tags: ['matching'],
        summary: `Best-matching ${side === 'need' ? 'offers' : 'needs'} for this ${side}, with component scores and reasons`,
        params: IdParams,
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: rt.config.MATCH_MAX_LIMIT, default: 10 }),
            mode: Mode,
            region: Type.Optional(
              Type.String({
                pattern: '^[0-9]{2,6}$',
                description: 'hard filter: administrative-code prefix',
              }),
            ),
            industry: Type.Optional(
              Type.String({ maxLength: 100, description: 'hard filter: exact industry' }),
            ),
            minMaturity: Type.Optional(Maturity),
            weights: Type.Optional(
              Type.String({
                maxLength: 300,
                description: 'override weights: semantic=0.6,lexical=0.3',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Matches, ...errorResponses },
      },
      handler: (req) => {
        const q = req.query;
        const row = rt.listings.getRow(side, req.params.id);
        const filters: RankFilters = {
          regionPrefix: q.region,
          industry: q.industry,
          minMaturity: q.minMaturity,
        };
        return {
          items: ranker(rt).forListing(row, {
            limit: q.limit,
            mode: q.mode,
            filters,
            weights: parseWeightsParam(q.weights),
          }),
        };
      },
    });
  }

  r.post('/v1/match', {
    config: { access: ['organiser', 'analyst', 'enterprise'] },
    schema: {
      tags: ['matching'],
      summary: 'Listings of one side that best match a free text',
      body: Type.Object(
        {
          text: Type.String({
            minLength: 1,
            maxLength: rt.config.DESCRIPTION_MAX_CHARS,
            pattern: '\\S',
          }),
          side: Type.Union([Type.Literal('need'), Type.Literal('offer')], {
            description: 'which side to search: "offer" finds offerings for a need text',
          }),
          limit: Type.Integer({ minimum: 1, maximum: rt.config.MATCH_MAX_LIMIT, default: 10 }),
          mode: Mode,
          filters: Type.Optional(
            Type.Object(
              {
                region: Type.Optional(Type.String({ pattern: '^[0-9]{2,6}$' })),
                industry: Type.Optional(Type.String({ maxLength: 100 })),
                minMaturity: Type.Optional(Maturity),
              },
              { additionalProperties: false },
            ),
          ),
          weights: Type.Optional(RankWeightsSchema),
        },
        { additionalProperties: false },
      ),
      response: { 200: Matches, ...errorResponses },
    },
    handler: async (req) => {
      const b = req.body;
      const filters: RankFilters = {
        regionPrefix: b.filters?.region,
        industry: b.filters?.industry,
        minMaturity: b.filters?.minMaturity,
      };
      return {
        items: await ranker(rt).forText(b.text, b.side, {
          limit: b.limit,
          mode: b.mode,
          filters,
          weights: b.weights,
        }),
      };
    },
  });
}
