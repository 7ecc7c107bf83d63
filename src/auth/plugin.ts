import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.ts';
import { ErrorBody } from '../http/schemas.ts';
import type { KeyRepo } from './keys.ts';
import { allowed, type Access } from './roles.ts';

/** The OpenAPI security scheme every non-public operation names. */
export const SECURITY_SCHEME = 'apiKey';

/** Routes that plugins register for themselves (the API docs): public by nature. */
const PLUGIN_PUBLIC = /^\/docs(\/|$)/;

/** The key of a request: `Authorization: Bearer KEY`. */
export function bearerKey(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/**
 * Trust at the edge, once. Every route must declare `config.access`; the declaration also goes
 * into its OpenAPI operation (security scheme and `x-roles`), so the document says who may call
 * what. One `onRequest` hook resolves the key to a principal and enforces the declaration:
 * no or unknown key → 401 `unauthorized`, a key without the right → 403 `forbidden`.
 * Install before any route is registered.
 */
export function installAuth(app: FastifyInstance, keys: KeyRepo): void {
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    let access = route.config?.access;
    if (access === undefined && PLUGIN_PUBLIC.test(url)) {
      access = 'public';
      route.config = { ...route.config, access };
    }
    if (access === undefined) {
      throw new Error(`route ${String(route.method)} ${url} declares no access (config.access)`);
    }
    if (access === 'public' || !route.schema) return;
    const roles = ['admin', ...access];
    route.schema = {
      ...route.schema,
      security: [{ [SECURITY_SCHEME]: [] }],
      'x-roles': roles,
      description: [route.schema.description, `Roles: ${roles.join(', ')}.`]
        .filter(Boolean)
        .join('\n\n'),
      response: { 401: ErrorBody, 403: ErrorBody, ...(route.schema.response as object) },
    } as typeof route.schema;
  });

  app.addHook('onRequest', (req, _reply, done) => done(authenticate(req, keys)));
}

/** Resolves the caller and checks the route's declaration; an error to answer with, if any. */
function authenticate(req: FastifyRequest, keys: KeyRepo): AppError | undefined {
  const access: Access | undefined = req.routeOptions.config.access;
  // No route matched: the not-found handler answers, and it reveals nothing.
  if (access === undefined) return undefined;
  const key = bearerKey(req);
  const principal = key === undefined ? undefined : keys.verify(key);
  if (principal) req.principal = principal;
  if (access === 'public') return undefined;
  if (!principal) {
    return new AppError(
      'unauthorized',
      key === undefined
        ? 'this route needs an API key: send "Authorization: Bearer KEY"'
        : 'the API key is not valid (unknown or revoked)',
    );
  }
  if (!allowed(access, principal)) {
    return new AppError(
      'forbidden',
      `a key with role "${principal.role}" may not call this route (roles: admin, ${access.join(', ')})`,
    );
  }
  return undefined;
}

/** The caller of a route that declared roles (the hook guarantees there is one). */
export function principalOf(req: FastifyRequest): NonNullable<FastifyRequest['principal']> {
  if (!req.principal) throw new AppError('unauthorized', 'this route needs an API key');
  return req.principal;
}
