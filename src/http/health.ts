import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { dbAlive, type Runtime } from '../runtime.ts';

/** Liveness (the process answers) and readiness (it can serve: db, queue, model, index). */
export function healthRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['ops'], response: { 200: Type.Object({ ok: Type.Boolean() }) } },
    },
    () => ({
      ok: true,
    }),
  );

  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { tags: ['ops'] } },
    async (_req, reply) => {
      const database = dbAlive(rt.db);
      const queue = await rt.queue.ping();
      const index = rt.index?.status();
      const indexInSync = index ? index.need.inSync && index.offer.inSync : false;
      const ready = database && queue && indexInSync;
      return reply.status(ready ? 200 : 503).send({
        ready,
        checks: {
          database,
          queue: {
            ok: queue,
            transport: rt.queue.mode,
            ...(await rt.queue.counts().catch(() => ({}))),
          },
          model: { ok: true, id: rt.embedder.model.id, dimension: rt.embedder.model.dimension },
          index: { ok: indexInSync, ...index },
          listings: rt.repo.countByStatus(),
        },
      });
    },
  );
}
