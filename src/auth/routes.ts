import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ApiKeyRow } from '../db/schema.ts';
import { AppError, notFound } from '../http/errors.ts';
import { errorResponses, IdParams } from '../http/schemas.ts';
import type { Runtime } from '../runtime.ts';
import { principalOf } from './plugin.ts';
import { PrincipalSchema, RoleSchema, type Principal } from './roles.ts';

const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  organisationId: Type.Union([Type.String(), Type.Null()]),
  shown: Type.String({ description: 'the first characters of the key, to tell keys apart' }),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

function view(r: ApiKeyRow) {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    organisationId: r.organisationId,
    shown: r.shown,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

/** Admins manage every key; organisers only enterprise keys (they enrol participants). */
function manages(p: Principal, k: Pick<ApiKeyRow, 'role'>): boolean {
  return p.role === 'admin' || (p.role === 'organiser' && k.role === 'enterprise');
}

/** API keys (create, list, revoke) and `GET /v1/me`, who the caller is. */
export function authRoutes(app: FastifyInstance, rt: Runtime): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/v1/me', {
    config: { access: ['organiser', 'analyst', 'enterprise'] },
    schema: {
      tags: ['auth'],
      summary: 'The key this request was made with: its role and organisation',
      response: { 200: PrincipalSchema, ...errorResponses },
    },
    handler: (req) => principalOf(req),
  });

  r.post('/v1/api-keys', {
    config: { access: ['organiser'] },
    schema: {
      tags: ['auth'],
      summary: 'Create an API key; the key is in this response only',
      body: Type.Object(
        {
          role: RoleSchema,
          organisationId: Type.Optional(
            Type.String({ format: 'uuid', description: 'required for enterprise keys' }),
          ),
          name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
        },
        { additionalProperties: false },
      ),
      response: {
        201: Type.Intersect([ApiKey, Type.Object({ key: Type.String() })]),
        ...errorResponses,
      },
    },
    handler: async (req, reply) => {
      const p = principalOf(req);
      const b = req.body;
      if (!manages(p, b)) {
        throw new AppError('forbidden', 'an organiser key may only create enterprise keys');
      }
      if (b.role === 'enterprise' && b.organisationId === undefined) {
        throw new AppError('validation_failed', 'an enterprise key needs an organisationId');
      }
      if (b.role !== 'enterprise' && b.organisationId !== undefined) {
        throw new AppError('validation_failed', 'only enterprise keys belong to an organisation');
      }
      if (b.organisationId !== undefined && !rt.repo.organisationExists(b.organisationId)) {
        throw new AppError('validation_failed', `organisation ${b.organisationId} does not exist`);
      }
      const { row, key } = rt.keys.create({
        role: b.role,
        organisationId: b.organisationId ?? null,
        name: b.name.trim(),
        createdBy: p.keyId,
      });
      return reply.status(201).send({ ...view(row), key });
    },
  });

  r.get('/v1/api-keys', {
    config: { access: ['organiser'] },
    schema: {
      tags: ['auth'],
      summary: 'API keys, newest first (organisers see enterprise keys only)',
      querystring: Type.Object(
        {
          role: Type.Optional(RoleSchema),
          includeRevoked: Type.Boolean({ default: false }),
          cursor: Type.Optional(Type.String({ format: 'uuid' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          items: Type.Array(ApiKey),
          nextCursor: Type.Union([Type.String(), Type.Null()]),
        }),
        ...errorResponses,
      },
    },
    handler: (req) => {
      const p = principalOf(req);
      const q = req.query;
      const role = p.role === 'admin' ? q.role : 'enterprise';
      if (p.role !== 'admin' && q.role !== undefined && q.role !== 'enterprise') {
        return { items: [], nextCursor: null };
      }
      const rows = rt.keys.list({
        role,
        includeRevoked: q.includeRevoked,
        before: q.cursor,
        limit: q.limit + 1,
      });
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      return { items: page.map(view), nextCursor: more ? page[page.length - 1]!.id : null };
    },
  });

  r.delete('/v1/api-keys/:id', {
    config: { access: ['organiser'] },
    schema: {
      tags: ['auth'],
      summary: 'Revoke an API key (it stops working at once)',
      params: IdParams,
      response: { 204: Type.Null(), ...errorResponses },
    },
    handler: async (req, reply) => {
      const p = principalOf(req);
      const row = rt.keys.get(req.params.id);
      // A key the caller may not manage is reported as missing: ids cannot be probed.
      if (!row || row.revokedAt || !manages(p, row)) throw notFound('api key', req.params.id);
      rt.keys.revoke(row.id);
      return reply.status(204).send(null);
    },
  });
}
