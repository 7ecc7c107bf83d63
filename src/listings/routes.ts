import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import Compile from 'typebox/compile';
import { errorResponses, IdParams } from '../http/schemas.ts';
import type { Runtime } from '../runtime.ts';
import {
  BulkItemResult,
  EmbeddingStatus,
  Listing,
  listingInputSchema,
  listingPatchSchema,
  type ListingInput,
  type Side,
} from './schemas.ts';

const PATHS: Record<Side, string> = { need: 'needs', offer: 'offers' };

/** CRUD, bulk import, listing and matches for needs and for offers: one definition, two sides. */
export function listingRoutes(app: FastifyInstance, rt: Runtime): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const limits = {
    titleMax: rt.config.TITLE_MAX_CHARS,
    descriptionMax: rt.config.DESCRIPTION_MAX_CHARS,
  };
  const Input = listingInputSchema(limits);
  const Patch = listingPatchSchema(limits);
  const checkItem = Compile(Input);
  const validateItem = (
    item: unknown,
  ): { ok: true; value: ListingInput } | { ok: false; message: string } => {
    if (checkItem.Check(item)) return { ok: true, value: item };
    const e = checkItem.Errors(item)[0];
    if (!e) return { ok: false, message: 'invalid item' };
    const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
    const where = e.instancePath || '(item)';
    return {
      ok: false,
      message: extra ? `unknown field "${extra.join('", "')}"` : `${where} ${e.message}`,
    };
  };

  for (const side of ['need', 'offer'] as const) {
    const base = `/v1/${PATHS[side]}`;
    const tags = [PATHS[side]];

    r.post(base, {
      config: { access: ['organiser', 'enterprise'] },
      schema: {
        tags,
        summary: `Create a ${side}; it is embedded in the background`,
        body: Input,
        response: { 202: Listing, ...errorResponses },
      },
      handler: async (req, reply) => {
        const l = await rt.listings.create(side, req.body);
        return reply.status(202).send(l);
      },
    });

    r.post(`${base}/bulk`, {
      config: { access: ['organiser', 'enterprise'] },
      schema: {
        tags,
        summary: `Create or update up to ${rt.config.BULK_MAX_ITEMS} ${PATHS[side]}; idempotent by source+externalId`,
        body: Type.Object(
          {
            items: Type.Array(Type.Unknown(), { minItems: 1, maxItems: rt.config.BULK_MAX_ITEMS }),
          },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({
            items: Type.Array(BulkItemResult),
            summary: Type.Object({
              created: Type.Integer(),
              updated: Type.Integer(),
              unchanged: Type.Integer(),
              errors: Type.Integer(),
            }),
          }),
          ...errorResponses,
        },
      },
      handler: async (req, reply) => {
        const items = await rt.listings.bulk(side, req.body.items, validateItem);
        const count = (s: string) => items.filter((i) => i.status === s).length;
        return reply.status(202).send({
          items,
          summary: {
            created: count('created'),
            updated: count('updated'),
            unchanged: count('unchanged'),
            errors: count('error'),
          },
        });
      },
    });

    r.get(base, {
      config: { access: ['organiser', 'analyst', 'enterprise'] },
      schema: {
        tags,
        summary: `List ${PATHS[side]}, oldest first, with cursor pagination`,
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
            cursor: Type.Optional(Type.String({ format: 'uuid' })),
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('closed')])),
            embeddingStatus: Type.Optional(EmbeddingStatus),
            industry: Type.Optional(Type.String({ maxLength: 100 })),
            region: Type.Optional(
              Type.String({ pattern: '^[0-9]{2,6}$', description: 'administrative code prefix' }),
            ),
            organisationId: Type.Optional(Type.String({ format: 'uuid' })),
            source: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Listing),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
      handler: (req) => {
        const q = req.query;
        return rt.listings.list({
          side,
          limit: q.limit,
          after: q.cursor,
          status: q.status,
          embeddingStatus: q.embeddingStatus,
          industry: q.industry,
          regionPrefix: q.region,
          organisationId: q.organisationId,
          source: q.source,
        });
      },
    });

    r.get(`${base}/:id`, {
      config: { access: ['organiser', 'analyst', 'enterprise'] },
      schema: {
        tags,
        summary: `Read one ${side}`,
        params: IdParams,
        response: { 200: Listing, ...errorResponses },
      },
      handler: (req) => rt.listings.get(side, req.params.id),
    });

    r.patch(`${base}/:id`, {
      config: { access: ['organiser', 'enterprise'] },
      schema: {
        tags,
        summary: `Change a ${side}; a changed text is embedded again`,
        params: IdParams,
        body: Patch,
        response: { 200: Listing, ...errorResponses },
      },
      handler: (req) => rt.listings.patch(side, req.params.id, req.body),
    });

    r.delete(`${base}/:id`, {
      config: { access: ['organiser', 'enterprise'] },
      schema: {
        tags,
        summary: `Delete a ${side}`,
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
      handler: async (req, reply) => {
        rt.listings.remove(side, req.params.id);
        return reply.status(204).send(null);
      },
    });
  }
}
