import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import {
  fairPairs,
  fairParticipants,
  fairRuns,
  fairs,
  listings,
  organisations,
  type FairPairRow,
  type FairParticipantRow,
  type FairPreference,
  type FairRow,
  type FairRunRow,
  type FairSession,
  type ListingRow,
} from '../db/schema.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Ranker } from '../matching/ranker.ts';
import { uuidv7 } from '../util/ids.ts';
import type { FairRunner, ScheduleJob, ScheduleJobResult } from './runner.ts';
import type { FairInstance, Meeting } from './scheduler/fair.ts';
import type { ScheduleOptions } from './scheduler/fair.ts';
import { sessionRanges, slotCount, slotTimes, validTimeZone, type SlotTime } from './time.ts';

/**
 * Preference factors. A pair's value is `round(1000 × score × f(pref of a) × f(pref of b))`:
 * one side's "want" raises it by half, both sides' (mutual interest) by 2.25×; "must" doubles
 * per side and also makes the meeting a must for the scheduler; "no" is a hard veto.
 */
export const PREFERENCE_FACTOR = { must: 2, want: 1.5, none: 1 } as const;
/** Score of a pair the ranker did not produce (added by the organiser or by a preference). */
export const DEFAULT_PAIR_SCORE = 0.5;

export interface CreateFairInput {
  name: string;
  timeZone?: string;
  slotMinutes: number;
  sessions: FairSession[];
  tables: number;
  tableLabels?: string[];
}

export interface ParticipantInput {
  organisationId: string;
  listingIds?: string[];
  available?: boolean[];
  maxMeetings?: number;
  fixedTable?: number;
}

export type PairDecision = 'approved' | 'rejected';

interface RunSummaryPart {
  participantId: string;
  organisationId: string;
  name: string;
}

const ordered = (x: string, y: string): [string, string] => (x < y ? [x, y] : [y, x]);

/** Fairs: registration, shortlists, preferences, scheduling runs, publication, changes. */
export class FairService {
  constructor(
    private readonly db: Db,
    private readonly runner: FairRunner,
    private readonly log: Logger,
    private readonly ranker: () => Ranker | undefined,
  ) {
    // A run that was working when the process stopped has no thread left to finish it.
    db.update(fairRuns)
      .set({ status: 'failed', error: 'interrupted by a restart', finishedAt: new Date() })
      .where(eq(fairRuns.status, 'running'))
      .run();
  }

  createFair(input: CreateFairInput): FairRow {
    const timeZone = input.timeZone ?? 'Asia/Shanghai';
    if (!validTimeZone(timeZone))
      throw new AppError('validation_failed', `timeZone "${timeZone}" is not an IANA time zone`);
    if (input.tableLabels && input.tableLabels.length !== input.tables)
      throw new AppError(
        'validation_failed',
        `tableLabels has ${input.tableLabels.length} labels for ${input.tables} tables`,
      );
    for (const s of input.sessions) {
      if (Number.isNaN(Date.parse(`${s.date}T00:00:00Z`)))
        throw new AppError('validation_failed', `session date ${s.date} is not a date`);
      const [h, m] = s.start.split(':').map(Number) as [number, number];
      if (h * 60 + m + s.slots * input.slotMinutes > 24 * 60)
        throw new AppError('validation_failed', `session on ${s.date} runs past midnight`);
    }
    return this.db
      .insert(fairs)
      .values({
        id: uuidv7(),
        name: input.name.trim(),
        timeZone,
        slotMinutes: input.slotMinutes,
        sessions: input.sessions,
        tables: input.tables,
        tableLabels: input.tableLabels ?? null,
        publishedRunId: null,
        createdAt: new Date(),
      })
      .returning()
      .get();
  }

  fair(id: string): FairRow {
    const row = this.db.select().from(fairs).where(eq(fairs.id, id)).get();
    if (!row) throw new AppError('fair_not_found', `fair ${id} does not exist`);
    return row;
  }

  slots(f: FairRow): SlotTime[] {
    return slotTimes(f.sessions, f.slotMinutes, f.timeZone);
  }

  tableLabel(f: FairRow, table: number): string {
    return f.tableLabels?.[table - 1] ?? `Table ${table}`;
  }

  addParticipant(fairId: string, input: ParticipantInput): FairParticipantRow {
    const f = this.fair(fairId);
    const slots = slotCount(f.sessions);
    const org = this.db
      .select({ id: organisations.id })
      .from(organisations)
      .where(eq(organisations.id, input.organisationId))
      .get();
    if (!org) throw notFound('organisation', input.organisationId);
    if (input.available && input.available.length !== slots)
      throw new AppError(
        'validation_failed',
        `available has ${input.available.length} entries; the fair has ${slots} slots`,
      );
    if (input.fixedTable !== undefined && input.fixedTable > f.tables)
      throw new AppError(
        'validation_failed',
        `fixedTable ${input.fixedTable} is beyond the fair's ${f.tables} tables`,
      );
    if (input.listingIds?.length) {
      const own = this.db
        .select({ id: listings.id })
        .from(listings)
        .where(
          and(
            inArray(listings.id, input.listingIds),
            eq(listings.organisationId, input.organisationId),
          ),
        )
        .all();
      if (own.length !== new Set(input.listingIds).size)
        throw new AppError(
          'validation_failed',
          'listingIds must name listings of this organisation',
        );
    }
    const exists = this.db
      .select({ id: fairParticipants.id })
      .from(fairParticipants)
      .where(
        and(
          eq(fairParticipants.fairId, fairId),
          eq(fairParticipants.organisationId, input.organisationId),
        ),
      )
      .get();
    if (exists)
      throw new AppError(
        'conflict',
        `organisation ${input.organisationId} is already participant ${exists.id} of this fair`,
      );
    return this.db
      .insert(fairParticipants)
      .values({
        id: uuidv7(),
        fairId,
        organisationId: input.organisationId,
        listingIds: input.listingIds ?? null,
        available: input.available ?? Array.from({ length: slots }, () => true),
        maxMeetings: Math.min(input.maxMeetings ?? slots, slots),
        fixedTable: input.fixedTable ?? null,
        status: 'active',
        createdAt: new Date(),
      })
      .returning()
      .get();
  }

  participants(fairId: string): (FairParticipantRow & { name: string })[] {
    this.fair(fairId);
    return this.db
      .select({ p: fairParticipants, name: organisations.name })
      .from(fairParticipants)
      .innerJoin(organisations, eq(organisations.id, fairParticipants.organisationId))
      .where(eq(fairParticipants.fairId, fairId))
      .orderBy(asc(fairParticipants.id))
      .all()
      .map((r) => ({ ...r.p, name: r.name }));
  }

  participant(fairId: string, id: string): FairParticipantRow & { name: string } {
    const p = this.participants(fairId).find((x) => x.id === id);
    if (!p)
      throw new AppError('participant_not_in_fair', `participant ${id} is not in fair ${fairId}`);
    return p;
  }

  cancelParticipant(fairId: string, id: string): FairParticipantRow & { name: string } {
    this.participant(fairId, id);
    this.db
      .update(fairParticipants)
      .set({ status: 'cancelled' })
      .where(eq(fairParticipants.id, id))
      .run();
    return this.participant(fairId, id);
  }

  /** The listings a participant brings: the named ones, else all its organisation's active ones. */
  private listingsOf(p: FairParticipantRow): ListingRow[] {
    const where = p.listingIds?.length
      ? inArray(listings.id, p.listingIds)
      : and(eq(listings.organisationId, p.organisationId), eq(listings.status, 'active'));
    return this.db.select().from(listings).where(where).all();
  }

  /**
   * Ranks every listing of every active participant against the other side and keeps, per
   * participant, the `perParticipant` best counterparts among the fair's participants (a pair's
   * score is its best listing pair's). Organiser decisions and preferences on kept pairs stay.
   * Runs the ranker in the request: one `forListing` per listing, milliseconds each.
   */
  buildShortlists(
    fairId: string,
    perParticipant: number,
  ): { pairs: number; listingsRanked: number; listingsNotReady: number } {
    const ranker = this.ranker();
    if (!ranker) throw new AppError('unavailable', 'this process keeps no vector index');
    const parts = this.participants(fairId).filter((p) => p.status === 'active');
    const byOrg = new Map(parts.map((p) => [p.organisationId, p]));
    const allowed = new Map(parts.map((p) => [p.id, p.listingIds ? new Set(p.listingIds) : null]));
    type Best = { score: number; reasons: unknown[]; listings: string[] };
    const best = new Map<string, Map<string, Best>>();
    let ranked = 0;
    let notReady = 0;
    for (const p of parts) {
      const mine = new Map<string, Best>();
      for (const l of this.listingsOf(p)) {
        let items;
        try {
          items = ranker.forListing(l, { limit: 100 });
        } catch (err) {
          if (err instanceof AppError && err.code === 'not_ready') {
            notReady++;
            continue;
          }
          throw err;
        }
        ranked++;
        for (const it of items) {
          const q = it.organisationId ? byOrg.get(it.organisationId) : undefined;
          if (!q || q.id === p.id) continue;
          const only = allowed.get(q.id);
          if (only && !only.has(it.id)) continue;
          const prev = mine.get(q.id);
          if (!prev || it.score > prev.score)
            mine.set(q.id, {
              score: it.score,
              reasons: it.reasons,
              listings: l.side === 'need' ? [l.id, it.id] : [it.id, l.id],
            });
        }
      }
      const top = [...mine.entries()]
        .sort((x, y) => y[1].score - x[1].score)
        .slice(0, perParticipant);
      best.set(p.id, new Map(top));
    }
    const chosen = new Map<string, Best & { a: string; b: string }>();
    for (const [pid, m] of best)
      for (const [qid, v] of m) {
        const [a, b] = ordered(pid, qid);
        const k = `${a}:${b}`;
        const prev = chosen.get(k);
        if (!prev || v.score > prev.score) chosen.set(k, { ...v, a, b });
      }
    this.db.$client.transaction(() => {
      // Shortlist pairs no longer chosen go, unless someone acted on them.
      this.db
        .delete(fairPairs)
        .where(
          and(
            eq(fairPairs.fairId, fairId),
            eq(fairPairs.origin, 'shortlist'),
            eq(fairPairs.decision, 'pending'),
            sql`${fairPairs.prefA} IS NULL AND ${fairPairs.prefB} IS NULL AND ${fairPairs.cancelled} = 0`,
          ),
        )
        .run();
      for (const c of chosen.values())
        this.db
          .insert(fairPairs)
          .values({
            fairId,
            a: c.a,
            b: c.b,
            score: c.score,
            reasons: c.reasons,
            listings: c.listings,
            origin: 'shortlist',
            decision: 'pending',
          })
          .onConflictDoUpdate({
            target: [fairPairs.fairId, fairPairs.a, fairPairs.b],
            set: { score: c.score, reasons: c.reasons, listings: c.listings },
          })
          .run();
    })();
    return { pairs: chosen.size, listingsRanked: ranked, listingsNotReady: notReady };
  }

  pairs(fairId: string): FairPairRow[] {
    this.fair(fairId);
    return this.db
      .select()
      .from(fairPairs)
      .where(eq(fairPairs.fairId, fairId))
      .orderBy(asc(fairPairs.a), asc(fairPairs.b))
      .all();
  }

  pairsOf(fairId: string, pid: string): FairPairRow[] {
    return this.db
      .select()
      .from(fairPairs)
      .where(and(eq(fairPairs.fairId, fairId), or(eq(fairPairs.a, pid), eq(fairPairs.b, pid))))
      .all();
  }

  private pair(fairId: string, a: string, b: string): FairPairRow | undefined {
    return this.db
      .select()
      .from(fairPairs)
      .where(and(eq(fairPairs.fairId, fairId), eq(fairPairs.a, a), eq(fairPairs.b, b)))
      .get();
  }

  /** The organiser approves, rejects or adds a pair. */
  decide(fairId: string, x: string, y: string, decision: PairDecision): FairPairRow {
    this.participant(fairId, x);
    this.participant(fairId, y);
    if (x === y) throw new AppError('validation_failed', 'a pair needs two different participants');
    const [a, b] = ordered(x, y);
    if (this.pair(fairId, a, b))
      this.db
        .update(fairPairs)
        .set({ decision })
        .where(and(eq(fairPairs.fairId, fairId), eq(fairPairs.a, a), eq(fairPairs.b, b)))
        .run();
    else
      this.db
        .insert(fairPairs)
        .values({ fairId, a, b, score: null, reasons: [], origin: 'organiser', decision })
        .run();
    return this.pair(fairId, a, b)!;
  }

  /** A participant's preferences about counterparts: must, want, no (veto) or none (clear). */
  prefer(
    fairId: string,
    pid: string,
    items: { participantId: string; preference: FairPreference | 'none' }[],
  ): FairPairRow[] {
    this.participant(fairId, pid);
    for (const it of items) {
      this.participant(fairId, it.participantId);
      if (it.participantId === pid)
        throw new AppError('validation_failed', 'a participant states no preference about itself');
    }
    this.db.$client.transaction(() => {
      for (const it of items) {
        const [a, b] = ordered(pid, it.participantId);
        const pref = it.preference === 'none' ? null : it.preference;
        const set = pid === a ? { prefA: pref } : { prefB: pref };
        if (!this.pair(fairId, a, b))
          this.db
            .insert(fairPairs)
            .values({
              fairId,
              a,
              b,
              score: null,
              reasons: [],
              origin: 'preference',
              decision: 'pending',
            })
            .run();
        this.db
          .update(fairPairs)
          .set(set)
          .where(and(eq(fairPairs.fairId, fairId), eq(fairPairs.a, a), eq(fairPairs.b, b)))
          .run();
      }
    })();
    return this.pairsOf(fairId, pid);
  }

  /** A pair's value for the scheduler, and whether it is a must (see PREFERENCE_FACTOR). */
  static value(p: FairPairRow): { value: number; must: boolean } {
    const f = (x: FairPreference | null) =>
      x === 'must' ? PREFERENCE_FACTOR.must : x === 'want' ? PREFERENCE_FACTOR.want : 1;
    return {
      value: Math.max(
        1,
        Math.round(1000 * (p.score ?? DEFAULT_PAIR_SCORE) * f(p.prefA) * f(p.prefB)),
      ),
      must: p.prefA === 'must' || p.prefB === 'must',
    };
  }

  /** Why a pair may not meet, or null. */
  static vetoCause(p: FairPairRow): string | null {
    if (p.decision === 'rejected') return 'rejected by the organiser';
    if (p.prefA === 'no' || p.prefB === 'no') return 'vetoed by a participant';
    if (p.cancelled) return 'meeting cancelled';
    return null;
  }

  /**
   * The scheduler's instance: participants and candidate pairs in the base run's order (a
   * re-plan), new ones appended. Cancelled participants have no availability; rejected, vetoed
   * and cancelled pairs are listed in `vetoed`.
   */
  instance(
    f: FairRow,
    base?: FairRunRow,
  ): { instance: FairInstance; participantIds: string[]; candidatePairs: [string, string][] } {
    const parts = this.participants(f.id);
    const byId = new Map(parts.map((p) => [p.id, p]));
    const participantIds = [...(base?.participantIds ?? [])];
    for (const p of parts) if (!participantIds.includes(p.id)) participantIds.push(p.id);
    const pairs = this.pairs(f.id);
    const byKey = new Map(pairs.map((p) => [`${p.a}:${p.b}`, p]));
    const candidatePairs = [...(base?.candidatePairs ?? [])];
    const known = new Set(candidatePairs.map(([a, b]) => `${a}:${b}`));
    for (const p of pairs) if (!known.has(`${p.a}:${p.b}`)) candidatePairs.push([p.a, p.b]);
    const index = new Map(participantIds.map((id, i) => [id, i]));
    const slots = slotCount(f.sessions);
    const instance: FairInstance = {
      slots,
      sessions: sessionRanges(f.sessions),
      tables: f.tables,
      participants: participantIds.map((id) => {
        const p = byId.get(id);
        const cancelled = !p || p.status === 'cancelled';
        const entry = {
          id,
          available: cancelled ? Array.from({ length: slots }, () => false) : p.available,
          maxMeetings: p?.maxMeetings ?? 0,
          ...(p?.fixedTable ? { fixedTable: p.fixedTable - 1 } : {}),
          cancelled,
        };
        return entry;
      }),
      candidates: [],
      vetoed: [],
    };
    for (const [a, b] of candidatePairs) {
      const row = byKey.get(`${a}:${b}`);
      const ia = index.get(a)!;
      const ib = index.get(b)!;
      const v = row ? FairService.value(row) : { value: 1, must: false };
      instance.candidates.push({ a: ia, b: ib, value: v.value, ...(v.must ? { must: true } : {}) });
      if (!row || FairService.vetoCause(row)) instance.vetoed!.push([ia, ib]);
    }
    return { instance, participantIds, candidatePairs };
  }

  private running(fairId: string): void {
    const r = this.db
      .select({ id: fairRuns.id })
      .from(fairRuns)
      .where(and(eq(fairRuns.fairId, fairId), eq(fairRuns.status, 'running')))
      .get();
    if (r) throw new AppError('conflict', `run ${r.id} of this fair is still running`);
  }

  /** Starts a scheduling run in a worker thread; the run row is the status resource. */
  startSchedule(fairId: string, options: ScheduleOptions): FairRunRow {
    const f = this.fair(fairId);
    this.running(fairId);
    const built = this.instance(f);
    if (built.instance.candidates.length === 0)
      throw new AppError(
        'conflict',
        'the fair has no pairs: build the shortlists or add pairs first',
      );
    return this.start(f, 'schedule', built, options, undefined);
  }

  /** Re-plans the published schedule after changes (cancellations, late participants, pairs). */
  startReplan(fairId: string, options: ScheduleOptions): FairRunRow {
    const f = this.fair(fairId);
    const base = this.publishedRun(f);
    this.running(fairId);
    return this.start(f, 'replan', this.instance(f, base), options, base);
  }

  private start(
    f: FairRow,
    kind: 'schedule' | 'replan',
    built: ReturnType<FairService['instance']>,
    options: ScheduleOptions,
    base: FairRunRow | undefined,
  ): FairRunRow {
    const run = this.db
      .insert(fairRuns)
      .values({
        fairId: f.id,
        kind,
        status: 'running',
        baseRunId: base?.id ?? null,
        instance: built.instance,
        participantIds: built.participantIds,
        candidatePairs: built.candidatePairs,
        options: { ...options },
        createdAt: new Date(),
      })
      .returning()
      .get();
    const job: ScheduleJob =
      kind === 'replan' && base
        ? {
            kind,
            instance: built.instance,
            published: (base.result as ScheduleJobResult).schedule.meetings,
            options,
          }
        : { kind: 'schedule', instance: built.instance, options };
    // The scheduler only knows "vetoed"; the diff should say why (cancelled, rejected, a "no").
    const byKey = new Map(this.pairs(f.id).map((p) => [`${p.a}:${p.b}`, p]));
    const causes = new Map<number, string>();
    built.candidatePairs.forEach(([a, b], i) => {
      const p = byKey.get(`${a}:${b}`);
      const cause = p && FairService.vetoCause(p);
      if (cause) causes.set(i, cause);
    });
    this.runner.run(job).then(
      (result) => {
        for (const c of result.diff?.cancelled ?? []) {
          const cause = causes.get(c.candidate);
          if (cause && c.reason.startsWith('vetoed')) c.reason = cause;
        }
        this.db
          .update(fairRuns)
          .set({ status: 'done', result, finishedAt: new Date() })
          .where(eq(fairRuns.id, run.id))
          .run();
        this.log.info(
          {
            fairId: f.id,
            runId: run.id,
            meetings: result.schedule.meetings.length,
            ms: result.schedule.ms,
          },
          'fair scheduled',
        );
      },
      (err: unknown) => {
        this.log.error({ err, fairId: f.id, runId: run.id }, 'fair scheduling failed');
        try {
          this.db
            .update(fairRuns)
            .set({ status: 'failed', error: String(err), finishedAt: new Date() })
            .where(eq(fairRuns.id, run.id))
            .run();
        } catch {
          // The database is closed: shutdown terminated the worker; the next start marks it.
        }
      },
    );
    return run;
  }

  run(fairId: string, runId: number): FairRunRow {
    this.fair(fairId);
    const r = this.db
      .select()
      .from(fairRuns)
      .where(and(eq(fairRuns.fairId, fairId), eq(fairRuns.id, runId)))
      .get();
    if (!r) throw notFound(`run of fair ${fairId}`, String(runId));
    return r;
  }

  runs(fairId: string): FairRunRow[] {
    this.fair(fairId);
    return this.db
      .select()
      .from(fairRuns)
      .where(eq(fairRuns.fairId, fairId))
      .orderBy(asc(fairRuns.id))
      .all();
  }

  /** Makes a finished run the fair's schedule. A re-plan must start from the one published. */
  publish(fairId: string, runId: number): FairRunRow {
    const f = this.fair(fairId);
    const r = this.run(fairId, runId);
    if (r.status !== 'done')
      throw new AppError('conflict', `run ${runId} is ${r.status}, not done`);
    const result = r.result as ScheduleJobResult;
    if (result.violations.length)
      throw new AppError('conflict', `run ${runId} breaks the fair's rules`, result.violations);
    if (r.kind === 'replan' && r.baseRunId !== f.publishedRunId)
      throw new AppError(
        'conflict',
        `run ${runId} re-plans run ${r.baseRunId}, but run ${f.publishedRunId} is published now`,
      );
    this.db.$client.transaction(() => {
      this.db.update(fairs).set({ publishedRunId: r.id }).where(eq(fairs.id, f.id)).run();
      this.db.update(fairRuns).set({ publishedAt: new Date() }).where(eq(fairRuns.id, r.id)).run();
    })();
    return this.run(fairId, runId);
  }

  publishedRun(f: FairRow): FairRunRow {
    if (f.publishedRunId === null)
      throw new AppError('schedule_not_published', `fair ${f.id} has no published schedule yet`);
    return this.run(f.id, f.publishedRunId);
  }

  /** Cancels one published meeting: the pair is not scheduled again (re-plan to fill the gap). */
  cancelMeeting(fairId: string, x: string, y: string): FairPairRow {
    const f = this.fair(fairId);
    const run = this.publishedRun(f);
    this.participant(fairId, x);
    this.participant(fairId, y);
    const [a, b] = ordered(x, y);
    const ci = run.candidatePairs.findIndex(([p, q]) => p === a && q === b);
    const meetings = (run.result as ScheduleJobResult).schedule.meetings;
    if (ci < 0 || !meetings.some((m) => m.candidate === ci))
      throw new AppError('conflict', `${x} and ${y} have no meeting in the published schedule`);
    this.db
      .update(fairPairs)
      .set({ cancelled: true })
      .where(and(eq(fairPairs.fairId, fairId), eq(fairPairs.a, a), eq(fairPairs.b, b)))
      .run();
    return this.pair(fairId, a, b)!;
  }

  /** Names of participants by id (for views and exports). */
  people(fairId: string): Map<string, RunSummaryPart> {
    return new Map(
      this.participants(fairId).map((p) => [
        p.id,
        { participantId: p.id, organisationId: p.organisationId, name: p.name },
      ]),
    );
  }

  /** The meetings of a run with who, when and where. */
  meetingsOf(f: FairRow, run: FairRunRow, meetings?: Meeting[]): FairMeetingView[] {
    const people = this.people(f.id);
    const times = this.slots(f);
    const inst = run.instance as FairInstance;
    const list = meetings ?? (run.result as ScheduleJobResult).schedule.meetings;
    return list
      .map((m) => {
        const [a, b] = run.candidatePairs[m.candidate]!;
        const t = times[m.slot - 1]!;
        return {
          candidate: m.candidate,
          slot: m.slot,
          table: m.table,
          tableLabel: this.tableLabel(f, m.table),
          start: t.start.toISOString(),
          end: t.end.toISOString(),
          date: t.date,
          localStart: t.localStart,
          localEnd: t.localEnd,
          value: inst.candidates[m.candidate]?.value ?? 0,
          a: people.get(a)!,
          b: people.get(b)!,
        };
      })
      .sort((x, y) => x.slot - y.slot || x.table - y.table);
  }
}

export interface FairMeetingView {
  candidate: number;
  slot: number;
  table: number;
  tableLabel: string;
  start: string;
  end: string;
  date: string;
  localStart: string;
  localEnd: string;
  value: number;
  a: RunSummaryPart;
  b: RunSummaryPart;
}
