import { PassThrough } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import Type from 'typebox';
import { errorResponses } from '../http/schemas.ts';
import type { Runtime } from '../runtime.ts';
import { writeCsv, writeXlsx, type TableData } from './export.ts';
import {
  comparableRuns,
  diffEntries,
  diffTable,
  emptySummary,
  needOffer,
  pairsTable,
  yielding,
} from './report.ts';
import {
  createRunSchema,
  DiffEntrySchema,
  DiffParams,
  DiffSummarySchema,
  ExportFormat,
  PairSchema,
  Run,
  RunIdParams,
  RunStatus,
  runView,
} from './schemas.ts';

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** Starts writing a table into a stream that the reply sends as a download. */
function tableStream(
  log: FastifyBaseLogger,
  format: 'csv' | 'xlsx',
  table: TableData,
): PassThrough {
  const out = new PassThrough();
  (format === 'csv' ? writeCsv(out, table) : writeXlsx(out, table)).catch((err: unknown) => {
    log.error({ err }, 'export failed');
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return out;
}

function download(name: string, format: 'csv' | 'xlsx') {
  return {
    'content-type': CONTENT_TYPES[format],
    'content-disposition': `attachment; filename="${name}.${format}"`,
  };
}

/** Match runs: create, follow, cancel, read pairs, diff two runs (JSON, CSV or XLSX). */
export function runRoutes(app: FastifyInstance, rt: Runtime): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['runs'];

  r.post('/v1/runs', {
    config: { access: ['analyst'] },
    schema: {
      tags,
      summary: 'Start a batch rematch of one side against the other',
      body: createRunSchema({ kMax: rt.config.REMATCH_K_MAX }),
      response: { 202: Run, ...errorResponses },
    },
    handler: async (req, reply) => {
      const run = await rt.rematch.create(req.body);
      return reply.status(202).send(runView(run));
    },
  });

  r.get('/v1/runs', {
    config: { access: ['analyst', 'organiser'] },
    schema: {
      tags,
      summary: 'Match runs, newest first',
      querystring: Type.Object(
        {
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
          before: Type.Optional(
            Type.Integer({ minimum: 1, description: 'cursor: runs older than this id' }),
          ),
          status: Type.Optional(RunStatus),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          items: Type.Array(Run),
          nextCursor: Type.Union([Type.Integer(), Type.Null()]),
        }),
        ...errorResponses,
      },
    },
    handler: (req) => {
      const rows = rt.runs.list(req.query.limit, req.query.before, req.query.status);
      const last = rows[rows.length - 1];
      return {
        items: rows.map((x) => runView(x)),
        nextCursor: rows.length === req.query.limit && last ? last.id : null,
      };
    },
  });

  r.get('/v1/runs/:id', {
    config: { access: ['analyst', 'organiser'] },
    schema: {
      tags,
      summary: 'A run with its progress (done/total, rate, ETA) and stats',
      params: RunIdParams,
      response: { 200: Run, ...errorResponses },
    },
    handler: (req) => runView(rt.rematch.get(req.params.id)),
  });

  r.post('/v1/runs/:id/cancel', {
    config: { access: ['analyst'] },
    schema: {
      tags,
      summary: 'Cancel a running run (chunks not yet stored are skipped)',
      params: RunIdParams,
      response: { 200: Run, ...errorResponses },
    },
    handler: (req) => runView(rt.rematch.cancel(req.params.id)),
  });

  r.get('/v1/runs/:id/pairs', {
    config: { access: ['analyst', 'organiser'] },
    schema: {
      tags,
      summary:
        "A run's ranked pairs: JSON (one listing, or the first `limit`), or the whole run as CSV/XLSX",
      params: RunIdParams,
      querystring: Type.Object(
        {
          format: ExportFormat,
          listingId: Type.Optional(
            Type.String({ format: 'uuid', description: "pairs of this listing of the run's side" }),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object(
          { items: Type.Array(PairSchema) },
          { description: 'JSON; CSV or XLSX when format says so' },
        ),
        ...errorResponses,
      },
    },
    handler: async (req, reply) => {
      const run = rt.rematch.get(req.params.id);
      const { format, listingId, limit } = req.query;
      if (format !== 'json') {
        const out = tableStream(req.log, format, pairsTable(rt.db, rt.runs, run));
        return reply.headers(download(`run-${run.id}`, format)).send(out as never);
      }
      const items = [];
      const source = listingId ? rt.runs.pairsOf(run.id, listingId) : rt.runs.pairs(run.id, limit);
      for (const p of source) {
        items.push({
          ...needOffer(run.side, p.queryId, p.candidateId),
          rank: p.rank,
          score: p.score,
          reasons: JSON.parse(p.reasons) as Record<string, number>,
        });
        if (items.length >= limit) break;
      }
      return reply.send({ items });
    },
  });

  r.get('/v1/runs/:a/diff/:b', {
    config: { access: ['analyst', 'organiser'] },
    schema: {
      tags,
      summary: 'Pairs new in run b, dropped from run a, and moved (rank changed)',
      params: DiffParams,
      querystring: Type.Object(
        {
          format: ExportFormat,
          limit: Type.Integer({
            minimum: 0,
            maximum: 100_000,
            default: 1000,
            description: 'JSON: entries listed (the summary counts all)',
          }),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object(
          {
            a: Type.Integer(),
            b: Type.Integer(),
            summary: DiffSummarySchema,
            items: Type.Array(DiffEntrySchema),
            truncated: Type.Boolean(),
          },
          { description: 'JSON; CSV or XLSX when format says so' },
        ),
        ...errorResponses,
      },
    },
    handler: async (req, reply) => {
      const [a, b] = comparableRuns(rt.runs, req.params.a, req.params.b);
      const { format, limit } = req.query;
      const summary = emptySummary();
      if (format !== 'json') {
        const out = tableStream(req.log, format, diffTable(rt.db, rt.runs, a, b, summary));
        return reply.headers(download(`diff-${a.id}-${b.id}`, format)).send(out as never);
      }
      const items = [];
      let total = 0;
      for await (const e of yielding(diffEntries(rt.runs, a, b, summary))) {
        total++;
        if (items.length < limit)
          items.push({
            change: e.change,
            ...needOffer(a.side, e.queryId, e.candidateId),
            rankA: e.rankA,
            rankB: e.rankB,
            scoreA: e.scoreA,
            scoreB: e.scoreB,
          });
      }
      return reply.send({ a: a.id, b: b.id, summary, items, truncated: total > items.length });
    },
  });
}
