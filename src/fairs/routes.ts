import { PassThrough } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  listings,
  type FairPairRow,
  type FairParticipantRow,
  type FairRow,
  type FairRunRow,
} from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { errorResponses } from '../http/schemas.ts';
import { writeCsv, writeXlsx } from '../rematch/export.ts';
import type { Runtime } from '../runtime.ts';
import { agendaHtml, agendaIcs, meetingsTable, tableSheetHtml } from './export.ts';
import { FairRunner, type ScheduleJobResult } from './runner.ts';
import {
  CreateFairBody,
  Fair,
  FairParams,
  MeetingCancelBody,
  MeetingView,
  Pair,
  PairBody,
  Participant,
  ParticipantBody,
  ParticipantParams,
  PreferencesBody,
  RunParams,
  RunView,
  ScheduleBody,
  ShortlistItem,
  TableParams,
  Unscheduled,
} from './schemas.ts';
import { FairService } from './service.ts';
import { slotCount } from './time.ts';

function fairView(f: FairRow) {
  return {
    id: f.id,
    name: f.name,
    timeZone: f.timeZone,
    slotMinutes: f.slotMinutes,
    sessions: f.sessions,
    slots: slotCount(f.sessions),
    tables: f.tables,
    tableLabels: f.tableLabels,
    publishedRunId: f.publishedRunId,
    createdAt: f.createdAt.toISOString(),
  };
}

function participantView(p: FairParticipantRow & { name: string }) {
  return { ...p, createdAt: p.createdAt.toISOString() };
}

type ReasonJson = { code: string; zh: string; en: string };

function pairView(p: FairPairRow) {
  const v = FairService.value(p);
  return {
    a: p.a,
    b: p.b,
    score: p.score,
    value: v.value,
    must: v.must,
    vetoed: FairService.vetoCause(p),
    reasons: p.reasons as ReasonJson[],
    listings: p.listings,
    origin: p.origin,
    decision: p.decision,
    prefA: p.prefA,
    prefB: p.prefB,
    cancelled: p.cancelled,
  };
}

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/**
 * The fair API: fairs, participants, shortlists, decisions and preferences, scheduling runs in
 * worker threads, publication, changes and re-plans, diagnostics, agenda and table exports.
 */
export function fairRoutes(app: FastifyInstance, rt: Runtime): void {
  const runner = new FairRunner();
  const svc = new FairService(rt.db, runner, rt.log, () => rt.ranker);
  app.addHook('onClose', async () => runner.close());
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['fairs'];

  const runView = (f: FairRow, run: FairRunRow) => {
    const res = run.result as ScheduleJobResult | null;
    const people = svc.people(f.id);
    const parties = (candidate: number) => {
      const [a, b] = run.candidatePairs[candidate]!;
      return { a: people.get(a)!, b: people.get(b)! };
    };
    const s = res?.schedule;
    return {
      id: run.id,
      fairId: run.fairId,
      kind: run.kind,
      status: run.status,
      baseRunId: run.baseRunId,
      published: f.publishedRunId === run.id,
      createdAt: run.createdAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
      error: run.error,
      candidates: run.candidatePairs.length,
      result:
        res && s
          ? {
              meetings: svc.meetingsOf(f, run),
              value: s.value,
              idleGaps: s.idleGaps,
              valueBound: s.valueBound,
              gap: s.valueBound > 0 ? Math.max(0, (s.valueBound - s.value) / s.valueBound) : 0,
              ms: s.ms,
              ...('method' in s && typeof s.method === 'string' ? { method: s.method } : {}),
              ...('optimal' in s && typeof s.optimal === 'boolean' ? { optimal: s.optimal } : {}),
              violations: res.violations,
              unscheduled: res.unscheduled.length,
            }
          : null,
      diff: res?.diff
        ? {
            moved: res.diff.moved.map((m) => ({ ...parties(m.candidate), ...m })),
            cancelled: res.diff.cancelled.map((m) => ({ ...parties(m.candidate), ...m })),
            added: svc.meetingsOf(f, run, res.diff.added),
          }
        : null,
    };
  };

  r.post('/v1/fairs', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'Create a fair: sessions (date, start, slots), slot length, tables',
      body: CreateFairBody,
      response: { 201: Fair, ...errorResponses },
    },
    handler: async (req, reply) => reply.status(201).send(fairView(svc.createFair(req.body))),
  });

  r.get('/v1/fairs/:id', {
    config: { access: ['organiser'] },
    schema: { tags, params: FairParams, response: { 200: Fair, ...errorResponses } },
    handler: (req) => fairView(svc.fair(req.params.id)),
  });

  r.post('/v1/fairs/:id/participants', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'Register an organisation: listings, availability per slot, cap, fixed table',
      params: FairParams,
      body: ParticipantBody,
      response: { 201: Participant, ...errorResponses },
    },
    handler: async (req, reply) => {
      const p = svc.addParticipant(req.params.id, req.body);
      return reply.status(201).send(participantView(svc.participant(req.params.id, p.id)));
    },
  });

  r.get('/v1/fairs/:id/participants', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      params: FairParams,
      response: { 200: Type.Object({ items: Type.Array(Participant) }), ...errorResponses },
    },
    handler: (req) => ({ items: svc.participants(req.params.id).map(participantView) }),
  });

  r.post('/v1/fairs/:id/participants/:pid/cancel', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'Cancel a participant (re-plan to apply it to a published schedule)',
      params: ParticipantParams,
      response: { 200: Participant, ...errorResponses },
    },
    handler: (req) => participantView(svc.cancelParticipant(req.params.id, req.params.pid)),
  });

  r.post('/v1/fairs/:id/shortlists', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: "Rank every participant's listings and keep the best counterparts in the fair",
      params: FairParams,
      body: Type.Object(
        { perParticipant: Type.Integer({ minimum: 1, maximum: 100, default: 10 }) },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          pairs: Type.Integer(),
          listingsRanked: Type.Integer(),
          listingsNotReady: Type.Integer(),
        }),
        ...errorResponses,
      },
    },
    handler: (req) => svc.buildShortlists(req.params.id, req.body.perParticipant),
  });

  r.get('/v1/fairs/:id/participants/:pid/shortlist', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: "A participant's counterparts, best first, with reasons, decisions and preferences",
      params: ParticipantParams,
      response: { 200: Type.Object({ items: Type.Array(ShortlistItem) }), ...errorResponses },
    },
    handler: (req) => {
      const { id, pid } = req.params;
      svc.participant(id, pid);
      const people = svc.people(id);
      const rows = svc.pairsOf(id, pid);
      const ids = rows.flatMap((p) => p.listings ?? []);
      const titles = new Map(
        ids.length
          ? rt.db
              .select({ id: listings.id, title: listings.title })
              .from(listings)
              .where(inArray(listings.id, ids))
              .all()
              .map((l) => [l.id, l.title])
          : [],
      );
      const items = rows.map((p) => {
        const mineA = p.a === pid;
        const my = mineA ? p.prefA : p.prefB;
        const their = mineA ? p.prefB : p.prefA;
        const [need, offer] = p.listings ?? [];
        return {
          counterpart: people.get(mineA ? p.b : p.a)!,
          score: p.score,
          value: FairService.value(p).value,
          reasons: p.reasons as ReasonJson[],
          listings:
            need && offer
              ? {
                  need: { id: need, title: titles.get(need) ?? '' },
                  offer: { id: offer, title: titles.get(offer) ?? '' },
                }
              : null,
          origin: p.origin,
          decision: p.decision,
          myPreference: my,
          theirPreference: their,
          mutual: (my === 'want' || my === 'must') && (their === 'want' || their === 'must'),
          vetoed: FairService.vetoCause(p),
        };
      });
      items.sort((x, y) => (y.score ?? -1) - (x.score ?? -1) || y.value - x.value);
      return { items };
    },
  });

  r.get('/v1/fairs/:id/pairs', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'Every pair: shortlist, organiser and preference pairs with their values',
      params: FairParams,
      response: { 200: Type.Object({ items: Type.Array(Pair) }), ...errorResponses },
    },
    handler: (req) => ({ items: svc.pairs(req.params.id).map(pairView) }),
  });

  r.post('/v1/fairs/:id/pairs', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'Organiser: approve, reject or add a pair',
      params: FairParams,
      body: PairBody,
      response: { 200: Pair, ...errorResponses },
    },
    handler: (req) =>
      pairView(svc.decide(req.params.id, req.body.a, req.body.b, req.body.decision)),
  });

  r.put('/v1/fairs/:id/participants/:pid/preferences', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: "A participant's preferences: must, want, no (a hard veto) or none",
      params: ParticipantParams,
      body: PreferencesBody,
      response: { 200: Type.Object({ items: Type.Array(Pair) }), ...errorResponses },
    },
    handler: (req) => ({
      items: svc.prefer(req.params.id, req.params.pid, req.body.items).map(pairView),
    }),
  });

  r.post('/v1/fairs/:id/schedule', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'Schedule the fair in a worker thread; 202 with the run (poll it)',
      params: FairParams,
      body: ScheduleBody,
      response: { 202: RunView, ...errorResponses },
    },
    handler: async (req, reply) => {
      const run = svc.startSchedule(req.params.id, req.body);
      return reply.status(202).send(runView(svc.fair(req.params.id), run));
    },
  });

  r.post('/v1/fairs/:id/replan', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary:
        'Re-plan the published schedule after changes; 202 with the run (its diff when done)',
      params: FairParams,
      body: ScheduleBody,
      response: { 202: RunView, ...errorResponses },
    },
    handler: async (req, reply) => {
      const run = svc.startReplan(req.params.id, req.body);
      return reply.status(202).send(runView(svc.fair(req.params.id), run));
    },
  });

  r.get('/v1/fairs/:id/runs', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      params: FairParams,
      response: { 200: Type.Object({ items: Type.Array(RunView) }), ...errorResponses },
    },
    handler: (req) => {
      const f = svc.fair(req.params.id);
      return { items: svc.runs(f.id).map((x) => runView(f, x)) };
    },
  });

  r.get('/v1/fairs/:id/runs/:run', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'A run: status, then meetings, value, idle gaps, bound, gap (and diff for re-plans)',
      params: RunParams,
      response: { 200: RunView, ...errorResponses },
    },
    handler: (req) => runView(svc.fair(req.params.id), svc.run(req.params.id, req.params.run)),
  });

  r.get('/v1/fairs/:id/runs/:run/unscheduled', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'Diagnostics: why each pair of the run has no meeting',
      params: RunParams,
      response: { 200: Unscheduled, ...errorResponses },
    },
    handler: (req) => {
      const run = svc.run(req.params.id, req.params.run);
      const res = run.result as ScheduleJobResult | null;
      if (!res) return { items: [] };
      const people = svc.people(req.params.id);
      const pairs = new Map(svc.pairs(req.params.id).map((p) => [`${p.a}:${p.b}`, p]));
      return {
        items: res.unscheduled.map((u) => {
          const [a, b] = run.candidatePairs[u.candidate]!;
          const row = pairs.get(`${a}:${b}`);
          const cause = row ? FairService.vetoCause(row) : null;
          return {
            a: people.get(a)!,
            b: people.get(b)!,
            candidate: u.candidate,
            reason: u.reason,
            detail: u.reason === 'vetoed' && cause ? cause : u.detail,
          };
        }),
      };
    },
  });

  r.post('/v1/fairs/:id/runs/:run/publish', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: "Publish a finished run as the fair's schedule",
      params: RunParams,
      response: { 200: RunView, ...errorResponses },
    },
    handler: (req) => {
      const run = svc.publish(req.params.id, req.params.run);
      return runView(svc.fair(req.params.id), run);
    },
  });

  r.post('/v1/fairs/:id/meetings/cancel', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'Cancel a published meeting (re-plan to fill its place)',
      params: FairParams,
      body: MeetingCancelBody,
      response: { 200: Pair, ...errorResponses },
    },
    handler: (req) => pairView(svc.cancelMeeting(req.params.id, req.body.a, req.body.b)),
  });

  r.get('/v1/fairs/:id/meetings', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: 'The published meetings: JSON, CSV or XLSX (formula-like cells escaped)',
      params: FairParams,
      querystring: Type.Object(
        {
          format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')], {
            default: 'json',
          }),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ items: Type.Array(MeetingView) }, { description: 'or CSV / XLSX' }),
        ...errorResponses,
      },
    },
    handler: async (req, reply) => {
      const f = svc.fair(req.params.id);
      const meetings = svc.meetingsOf(f, svc.publishedRun(f));
      const format = req.query.format;
      if (format === 'json') return reply.send({ items: meetings });
      const out = new PassThrough();
      const table = meetingsTable(meetings);
      (format === 'csv' ? writeCsv(out, table) : writeXlsx(out, table)).catch((err: unknown) => {
        req.log.error({ err }, 'export failed');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      return reply
        .headers({
          'content-type': CONTENT_TYPES[format],
          'content-disposition': `attachment; filename="fair-meetings.${format}"`,
        })
        .send(out as never);
    },
  });

  const agenda = (fairId: string, pid: string) => {
    const f = svc.fair(fairId);
    const p = svc.participant(fairId, pid);
    const meetings = svc
      .meetingsOf(f, svc.publishedRun(f))
      .filter((m) => m.a.participantId === pid || m.b.participantId === pid);
    return { f, p, meetings };
  };

  r.get('/v1/fairs/:id/participants/:pid/agenda.ics', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: "A participant's published agenda as iCalendar",
      params: ParticipantParams,
      response: { 200: Type.String({ description: 'text/calendar' }), ...errorResponses },
    },
    handler: async (req, reply) => {
      const { f, p, meetings } = agenda(req.params.id, req.params.pid);
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('content-disposition', `attachment; filename="agenda-${p.id}.ics"`)
        .send(agendaIcs(f, p.id, meetings));
    },
  });

  r.get('/v1/fairs/:id/participants/:pid/agenda.html', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: "A participant's published agenda as a printable page",
      params: ParticipantParams,
      response: { 200: Type.String({ description: 'text/html' }), ...errorResponses },
    },
    handler: async (req, reply) => {
      const { f, p, meetings } = agenda(req.params.id, req.params.pid);
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(agendaHtml(f, p, meetings));
    },
  });

  r.get('/v1/fairs/:id/tables/:table/sheet.html', {
    config: { access: ['organiser'] },
    schema: {
      tags,
      summary: "One table's meetings as a printable sheet",
      params: TableParams,
      response: { 200: Type.String({ description: 'text/html' }), ...errorResponses },
    },
    handler: async (req, reply) => {
      const f = svc.fair(req.params.id);
      if (req.params.table > f.tables)
        throw new AppError(
          'not_found',
          `table ${req.params.table} does not exist (the fair has ${f.tables})`,
        );
      const meetings = svc
        .meetingsOf(f, svc.publishedRun(f))
        .filter((m) => m.table === req.params.table);
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(tableSheetHtml(f, svc.tableLabel(f, req.params.table), meetings));
    },
  });
}
