import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installAuth, SECURITY_SCHEME } from './auth/plugin.ts';
import { authRoutes } from './auth/routes.ts';
import { installJsonBody } from './http/body.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { installValidators } from './http/validation.ts';
import { fairRoutes } from './fairs/routes.ts';
import { healthRoutes } from './http/health.ts';
import { listingRoutes } from './listings/routes.ts';
import { matchRoutes } from './matching/routes.ts';
import { organisationRoutes } from './organisations/routes.ts';
import { runRoutes } from './rematch/routes.ts';
import type { Runtime } from './runtime.ts';

/**
 * Builds the HTTP app over a runtime. No listening, no signals: tests inject requests into it,
 * `server.ts` runs it.
 */
export async function buildApp(rt: Runtime): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the app keeps Fastify's default generics.
  const logger: FastifyBaseLogger = rt.log;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: rt.config.BODY_LIMIT_BYTES,
  });
  installValidators(app);
  // JSON only: a text body is refused with 415 instead of failing validation as a string.
  app.removeContentTypeParser('text/plain');
  installJsonBody(app);
  installErrorHandler(app);
  installAuth(app, rt.keys);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Technology matchmaking engine',
        description: 'Needs (技术需求) and offerings (科技成果): ingest, embedding, matches.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          [SECURITY_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description: 'an API key: `Authorization: Bearer KEY` (see POST /v1/api-keys)',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  healthRoutes(app, rt);
  authRoutes(app, rt);
  listingRoutes(app, rt);
  matchRoutes(app, rt);
  organisationRoutes(app, rt);
  runRoutes(app, rt);
  fairRoutes(app, rt);
  return app;
}
