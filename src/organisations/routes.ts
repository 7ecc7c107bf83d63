import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { organisations, type OrganisationRow } from '../db/schema.ts';
import { notFound } from '../http/errors.ts';
import { errorResponses, IdParams } from '../http/schemas.ts';
import type { Runtime } from '../runtime.ts';
import { uuidv7 } from '../util/ids.ts';

const Kind = Type.Union([
  Type.Literal('enterprise'),
  Type.Literal('university'),
  Type.Literal('institute'),
  Type.Literal('other'),
]);
const Organisation = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Kind,
  regionCode: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

function view(r: OrganisationRow) {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    regionCode: r.regionCode,
    createdAt: r.createdAt.toISOString(),
  };
}

/** Organisations own listings; matching never pairs two listings of one organisation. */
export function organisationRoutes(app: FastifyInstance, rt: Runtime): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/v1/organisations', {
    config: { access: ['organiser'] },
    schema: {
      tags: ['organisations'],
      summary: 'Register an enterprise, university or institute',
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
          kind: Kind,
          regionCode: Type.Optional(Type.String({ pattern: '^[1-8][0-9]{5}$' })),
        },
        { additionalProperties: false },
      ),
      response: { 201: Organisation, ...errorResponses },
    },
    handler: async (req, reply) => {
      const row = rt.db
        .insert(organisations)
        .values({
          id: uuidv7(),
          name: req.body.name.trim(),
          kind: req.body.kind,
          regionCode: req.body.regionCode ?? null,
          createdAt: new Date(),
        })
        .returning()
        .get();
      return reply.status(201).send(view(row));
    },
  });
  r.get('/v1/organisations/:id', {
    config: { access: ['organiser', 'analyst', 'enterprise'] },
    schema: {
      tags: ['organisations'],
      params: IdParams,
      response: { 200: Organisation, ...errorResponses },
    },
    handler: (req) => {
      const row = rt.db
        .select()
        .from(organisations)
        .where(eq(organisations.id, req.params.id))
        .get();
      if (!row) throw notFound('organisation', req.params.id);
      return view(row);
    },
  });
}
