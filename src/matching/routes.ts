import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { AppError } from '../http/errors.ts';
import { errorResponses } from '../http/schemas.ts';
import { Side } from '../listings/schemas.ts';
import type { Runtime } from '../runtime.ts';

export const MatchItemSchema = Type.Object({
  id: Type.String(),
  side: Side,
  score: Type.Number({ description: 'cosine similarity of the two texts' }),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()], {
    description: 'null when the listing is confidential',
  }),
  keywords: Type.Array(Type.String()),
  industry: Type.Union([Type.String(), Type.Null()]),
  regionCode: Type.Union([Type.String(), Type.Null()]),
  maturity: Type.Union([Type.String(), Type.Null()]),
  organisationId: Type.Union([Type.String(), Type.Null()]),
});

/** Free-text search over one side. */
export function matchRoutes(app: FastifyInstance, rt: Runtime): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/v1/match', {
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
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ items: Type.Array(MatchItemSchema) }), ...errorResponses },
    },
    handler: async (req) => {
      if (!rt.matches) throw new AppError('unavailable', 'this process keeps no vector index');
      return { items: await rt.matches.forText(req.body.text, req.body.side, req.body.limit) };
    },
  });
}
