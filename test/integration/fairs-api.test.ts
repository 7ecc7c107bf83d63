import ExcelJS from 'exceljs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fairRuns } from '../../src/db/schema.ts';
import { checkFair } from '../../src/fairs/checker.ts';
import type { ScheduleJobResult } from '../../src/fairs/runner.ts';
import type { FairInstance } from '../../src/fairs/scheduler/fair.ts';
import { SAMPLE, startService, testEnv, waitFor, type TestService } from '../helpers/env.ts';

// Real SQLite (own file), real tiny model and ranker, scheduling in a real worker thread,
// every request through Fastify's inject.
describe('fair API', () => {
  const t = testEnv();
  let s: TestService;

  const post = (url: string, body: unknown) =>
    s.inject({ method: 'POST', url, payload: body as object });
  const put = (url: string, body: unknown) =>
    s.inject({ method: 'PUT', url, payload: body as object });
  const get = (url: string) => s.inject({ method: 'GET', url });

  type Party = { participantId: string; name: string };
  type MeetingJson = {
    slot: number;
    table: number;
    start: string;
    end: string;
    a: Party;
    b: Party;
  };
  type RunJson = {
    id: number;
    status: string;
    result: null | {
      meetings: MeetingJson[];
      value: number;
      idleGaps: number;
      valueBound: number;
      gap: number;
      violations: string[];
    };
    diff: null | {
      moved: { a: Party; b: Party }[];
      cancelled: { a: Party; b: Party; slot: number; table: number; reason: string }[];
      added: MeetingJson[];
    };
  };

  const org = async (name: string, kind: string) =>
    (await post('/v1/organisations', { name, kind })).json<{ id: string }>().id;
  const listing = async (side: 'needs' | 'offers', body: object, organisationId: string) => {
    const id = (await post(`/v1/${side}`, { ...body, organisationId })).json<{ id: string }>().id;
    await waitFor(
      async () =>
        (await get(`/v1/${side}/${id}`)).json<{ embeddingStatus: string }>().embeddingStatus ===
        'ready',
      20_000,
      `${id} ready`,
    );
    return id;
  };
  const finished = async (fairId: string, runId: number) =>
    waitFor(
      async () => {
        const r = (await get(`/v1/fairs/${fairId}/runs/${runId}`)).json<RunJson>();
        return r.status !== 'running' ? r : undefined;
      },
      30_000,
      `run ${runId}`,
    );
  const stored = (runId: number) => {
    const row = s.rt.db.select().from(fairRuns).where(eq(fairRuns.id, runId)).get()!;
    return { instance: row.instance as FairInstance, result: row.result as ScheduleJobResult };
  };
  const involves = (m: { a: Party; b: Party }, x: string, y?: string) =>
    y === undefined
      ? m.a.participantId === x || m.b.participantId === x
      : (m.a.participantId === x && m.b.participantId === y) ||
        (m.a.participantId === y && m.b.participantId === x);

  let fairId: string;
  const pid = {} as Record<'e1' | 'e2' | 'u1' | 'u2' | 'u3', string>;

  beforeAll(async () => {
    s = await startService(t.env);
    const e1 = await org('宁德储能科技', 'enterprise');
    const e2 = await org('=HYPERLINK("http://x")印染集团', 'enterprise');
    const u1 = await org('<script>alert(1)</script>理工大学', 'university');
    const u2 = await org('环境研究院', 'institute');
    const u3 = await org('视觉检测实验室', 'university');
    await listing('needs', SAMPLE.battery, e1);
    await listing('needs', SAMPLE.water, e2);
    await listing('offers', SAMPLE.battery, u1);
    await listing('offers', SAMPLE.water, u2);
    await listing('offers', SAMPLE.vision, u3);
    const fair = await post('/v1/fairs', {
      name: '2026 技术对接会',
      slotMinutes: 20,
      sessions: [
        { date: '2026-05-20', start: '09:00', slots: 4 },
        { date: '2026-05-20', start: '14:00', slots: 3 },
      ],
      tables: 2,
    });
    expect(fair.statusCode).toBe(201);
    const f = fair.json<{ id: string; timeZone: string; slots: number }>();
    expect(f.timeZone).toBe('Asia/Shanghai');
    expect(f.slots).toBe(7);
    fairId = f.id;
    for (const [k, o, extra] of [
      ['e1', e1, { fixedTable: 1 }],
      ['e2', e2, {}],
      ['u1', u1, { maxMeetings: 2 }],
      ['u2', u2, { available: [false, false, true, true, true, true, true] }],
      ['u3', u3, {}],
    ] as const) {
      const res = await post(`/v1/fairs/${fairId}/participants`, { organisationId: o, ...extra });
      expect(res.statusCode).toBe(201);
      pid[k] = res.json<{ id: string }>().id;
    }
  }, 120_000);
  afterAll(async () => {
    await s.close();
    t.cleanup();
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await get('/docs/json')).json<{ paths: Record<string, unknown> }>();
    for (const path of [
      '/v1/fairs',
      '/v1/fairs/{id}/participants',
      '/v1/fairs/{id}/schedule',
      '/v1/fairs/{id}/replan',
      '/v1/fairs/{id}/runs/{run}/unscheduled',
      '/v1/fairs/{id}/participants/{pid}/agenda.ics',
      '/v1/fairs/{id}/meetings',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });

  it('refuses bad input with stable codes', async () => {
    const missing = await get('/v1/fairs/0190a0a0-0000-7000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ code: string }>().code).toBe('fair_not_found');
    const stray = await get(
      `/v1/fairs/${fairId}/participants/0190a0a0-0000-7000-8000-000000000000/shortlist`,
    );
    expect(stray.statusCode).toBe(404);
    expect(stray.json<{ code: string }>().code).toBe('participant_not_in_fair');
    const wrongLength = await post(`/v1/fairs/${fairId}/participants`, {
      organisationId: (await post('/v1/organisations', { name: 'x', kind: 'other' })).json<{
        id: string;
      }>().id,
      available: [true],
    });
    expect(wrongLength.statusCode).toBe(400);
    expect(wrongLength.json<{ code: string }>().code).toBe('validation_failed');
    const unknownField = await post('/v1/fairs', {
      name: 'x',
      slotMinutes: 20,
      sessions: [{ date: '2026-05-20', start: '09:00', slots: 2 }],
      tables: 1,
      colour: 'red',
    });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json<{ code: string }>().code).toBe('validation_failed');
    const badZone = await post('/v1/fairs', {
      name: 'x',
      timeZone: 'Mars/Olympus',
      slotMinutes: 20,
      sessions: [{ date: '2026-05-20', start: '09:00', slots: 2 }],
      tables: 1,
    });
    expect(badZone.statusCode).toBe(400);
    const notPublished = await get(`/v1/fairs/${fairId}/meetings?format=csv`);
    expect(notPublished.statusCode).toBe(409);
    expect(notPublished.json<{ code: string }>().code).toBe('schedule_not_published');
    const twice = await post(`/v1/fairs/${fairId}/participants`, {
      organisationId: (await get(`/v1/fairs/${fairId}/participants`)).json<{
        items: { organisationId: string }[];
      }>().items[0]!.organisationId,
    });
    expect(twice.statusCode).toBe(409);
  });

  it('builds shortlists with bilingual reasons among the fair participants', async () => {
    const res = await post(`/v1/fairs/${fairId}/shortlists`, { perParticipant: 10 });
    expect(res.statusCode).toBe(200);
    const built = res.json<{ pairs: number; listingsNotReady: number }>();
    expect(built.listingsNotReady).toBe(0);
    // Two need holders × three offer holders.
    expect(built.pairs).toBe(6);
    const list = (await get(`/v1/fairs/${fairId}/participants/${pid.e1}/shortlist`)).json<{
      items: {
        counterpart: Party;
        score: number;
        reasons: { zh: string; en: string }[];
        listings: { need: { title: string }; offer: { title: string } };
      }[];
    }>().items;
    expect(list.map((i) => i.counterpart.participantId).sort()).toEqual(
      [pid.u1, pid.u2, pid.u3].sort(),
    );
    // The offer whose text equals the need ranks first, and says why in both languages.
    expect(list[0]!.counterpart.participantId).toBe(pid.u1);
    expect(list[0]!.listings.need.title).toBe(SAMPLE.battery.title);
    expect(list[0]!.reasons.length).toBeGreaterThan(0);
    for (const r of list[0]!.reasons) {
      expect(r.zh.length).toBeGreaterThan(0);
      expect(r.en.length).toBeGreaterThan(0);
    }
  });

  let published: RunJson;

  it('schedules in a worker: vetoes respected, must pairs held, checkFair passes', async () => {
    // e1 vetoes u1 (its best match); e2 must meet u1; mutual interest e2 ↔ u2.
    await put(`/v1/fairs/${fairId}/participants/${pid.e1}/preferences`, {
      items: [{ participantId: pid.u1, preference: 'no' }],
    });
    await put(`/v1/fairs/${fairId}/participants/${pid.e2}/preferences`, {
      items: [
        { participantId: pid.u1, preference: 'must' },
        { participantId: pid.u2, preference: 'want' },
      ],
    });
    const pref = await put(`/v1/fairs/${fairId}/participants/${pid.u2}/preferences`, {
      items: [{ participantId: pid.e2, preference: 'want' }],
    });
    expect(pref.statusCode).toBe(200);
    const mutual = (await get(`/v1/fairs/${fairId}/participants/${pid.u2}/shortlist`))
      .json<{ items: { counterpart: Party; mutual: boolean; value: number; score: number }[] }>()
      .items.find((i) => i.counterpart.participantId === pid.e2)!;
    expect(mutual.mutual).toBe(true);
    expect(mutual.value).toBe(Math.round(1000 * mutual.score * 1.5 * 1.5));

    const start = await post(`/v1/fairs/${fairId}/schedule`, { timeLimitMs: 500 });
    expect(start.statusCode).toBe(202);
    const run = await finished(fairId, start.json<RunJson>().id);
    expect(run.status).toBe('done');
    const res = run.result!;
    expect(res.violations).toEqual([]);
    const { instance, result } = stored(run.id);
    expect(checkFair(instance, result.schedule.meetings)).toEqual([]);
    expect(res.meetings.some((m) => involves(m, pid.e1, pid.u1))).toBe(false);
    expect(res.meetings.some((m) => involves(m, pid.e2, pid.u1))).toBe(true);
    expect(res.meetings.filter((m) => involves(m, pid.e1)).every((m) => m.table === 1)).toBe(true);
    expect(res.meetings.filter((m) => involves(m, pid.u2)).every((m) => m.slot >= 3)).toBe(true);
    expect(res.valueBound).toBeGreaterThanOrEqual(res.value);
    expect(res.gap).toBeGreaterThanOrEqual(0);

    const why = (await get(`/v1/fairs/${fairId}/runs/${run.id}/unscheduled`)).json<{
      items: { a: Party; b: Party; reason: string; detail: string }[];
    }>().items;
    const vetoed = why.find((u) => involves(u, pid.e1, pid.u1));
    expect(vetoed?.reason).toBe('vetoed');
    expect(vetoed?.detail).toBe('vetoed by a participant');

    const pub = await post(`/v1/fairs/${fairId}/runs/${run.id}/publish`, {});
    expect(pub.statusCode).toBe(200);
    published = pub.json<RunJson>();
  });

  it('exports agendas as iCalendar with the right times and escaped HTML', async () => {
    const mine = published.result!.meetings.filter((m) => involves(m, pid.u1));
    expect(mine.length).toBeGreaterThan(0);
    const res = await get(`/v1/fairs/${fairId}/participants/${pid.u1}/agenda.ics`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/calendar');
    const lines = res.body.replace(/\r\n[ \t]/g, '').split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    const starts = lines.filter((l) => l.startsWith('DTSTART:')).map((l) => l.slice(8));
    expect(lines.filter((l) => l === 'BEGIN:VEVENT').length).toBe(mine.length);
    // Slot k of the morning starts at 09:00 + 20 (k − 1) min Shanghai time (UTC+8);
    // the afternoon's first slot (5) at 14:00.
    const utc = (slot: number) => {
      const local = slot <= 4 ? 9 * 60 + (slot - 1) * 20 : 14 * 60 + (slot - 5) * 20;
      const d = new Date(Date.UTC(2026, 4, 20, 0, local - 8 * 60));
      return d.toISOString().replace(/[-:]/g, '').replace('.000', '');
    };
    expect(starts.sort()).toEqual(mine.map((m) => utc(m.slot)).sort());
    for (const m of mine)
      expect(m.start.replace(/[-:]/g, '').replace('.000', '')).toBe(utc(m.slot));

    const html = await get(`/v1/fairs/${fairId}/participants/${pid.u1}/agenda.html`);
    expect(html.statusCode).toBe(200);
    expect(html.body).not.toContain('<script>');
    expect(html.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const sheet = await get(`/v1/fairs/${fairId}/tables/1/sheet.html`);
    expect(sheet.statusCode).toBe(200);
    expect(sheet.body).not.toContain('<script>');
    expect((await get(`/v1/fairs/${fairId}/tables/9/sheet.html`)).statusCode).toBe(404);
  });

  it('exports all meetings as CSV and XLSX with formula-like cells escaped', async () => {
    const csv = await get(`/v1/fairs/${fairId}/meetings?format=csv`);
    expect(csv.statusCode).toBe(200);
    const rows = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(rows.length).toBe(published.result!.meetings.length + 1);
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x"")印染集团"`);
    expect(csv.body).not.toMatch(/(^|,)"?=HYPERLINK/m);

    const xlsx = await get(`/v1/fairs/${fairId}/meetings?format=xlsx`);
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(published.result!.meetings.length + 1);
    const cells: string[] = [];
    ws.eachRow((row) =>
      row.eachCell((c) =>
        cells.push(typeof c.value === 'string' ? c.value : JSON.stringify(c.value)),
      ),
    );
    expect(cells).toContain(`'=HYPERLINK("http://x")印染集团`);
    expect(cells.some((c) => c.startsWith('='))).toBe(false);
  });

  it('re-plans after a cancelled participant: the diff says exactly what changed', async () => {
    const before = published.result!.meetings;
    const gone = before.filter((m) => involves(m, pid.u3));
    expect(gone.length).toBeGreaterThan(0);
    const cancel = await post(`/v1/fairs/${fairId}/participants/${pid.u3}/cancel`, {});
    expect(cancel.statusCode).toBe(200);
    const start = await post(`/v1/fairs/${fairId}/replan`, {});
    expect(start.statusCode).toBe(202);
    const run = await finished(fairId, start.json<RunJson>().id);
    expect(run.status).toBe('done');
    const diff = run.diff!;
    expect(diff.cancelled.length).toBe(gone.length);
    for (const c of diff.cancelled) expect(involves(c, pid.u3)).toBe(true);
    const after = run.result!.meetings;
    const key = (m: MeetingJson) => `${m.a.participantId}:${m.b.participantId}`;
    const place = (m: MeetingJson) => `${m.slot}:${m.table}`;
    const afterByPair = new Map(after.map((m) => [key(m), m]));
    const movedPairs = new Set(diff.moved.map((m) => `${m.a.participantId}:${m.b.participantId}`));
    // Every kept meeting is where it was unless the diff lists it as moved.
    for (const m of before.filter((x) => !involves(x, pid.u3))) {
      const now = afterByPair.get(key(m));
      expect(now).toBeDefined();
      if (!movedPairs.has(key(m))) expect(place(now!)).toBe(place(m));
    }
    // Added meetings are exactly the ones not there before.
    const beforeKeys = new Set(before.map(key));
    expect(diff.added.map(key).sort()).toEqual(
      after
        .filter((m) => !beforeKeys.has(key(m)))
        .map(key)
        .sort(),
    );
    expect(after.some((m) => involves(m, pid.u3))).toBe(false);
    const { instance, result } = stored(run.id);
    expect(checkFair(instance, result.schedule.meetings)).toEqual([]);
    expect((await post(`/v1/fairs/${fairId}/runs/${run.id}/publish`, {})).statusCode).toBe(200);
    expect(
      (await get(`/v1/fairs/${fairId}`)).json<{ publishedRunId: number }>().publishedRunId,
    ).toBe(run.id);
  });

  it('cancels one published meeting and re-plans without it', async () => {
    const f = (await get(`/v1/fairs/${fairId}`)).json<{ publishedRunId: number }>();
    const run = (await get(`/v1/fairs/${fairId}/runs/${f.publishedRunId}`)).json<RunJson>();
    const m = run.result!.meetings[0]!;
    const res = await post(`/v1/fairs/${fairId}/meetings/cancel`, {
      a: m.a.participantId,
      b: m.b.participantId,
    });
    expect(res.statusCode).toBe(200);
    const again = await post(`/v1/fairs/${fairId}/meetings/cancel`, {
      a: pid.e1,
      b: pid.u1,
    });
    expect(again.statusCode).toBe(409);
    const start = await post(`/v1/fairs/${fairId}/replan`, {});
    const done = await finished(fairId, start.json<RunJson>().id);
    expect(done.diff!.cancelled.map((c) => c.reason)).toEqual(['meeting cancelled']);
    expect(
      done.result!.meetings.some((x) => involves(x, m.a.participantId, m.b.participantId)),
    ).toBe(false);
  });
  it('adds a late participant and pair after publication without moving kept meetings', async () => {
    const f = (await get(`/v1/fairs/${fairId}`)).json<{ publishedRunId: number }>();
    const base = stored(f.publishedRunId);
    const before = (await get(`/v1/fairs/${fairId}/runs/${f.publishedRunId}`)).json<RunJson>()
      .result!.meetings;
    const lateOrg = await org('迟到的膜技术公司', 'enterprise');
    await listing('offers', SAMPLE.water, lateOrg);
    const reg = await post(`/v1/fairs/${fairId}/participants`, { organisationId: lateOrg });
    expect(reg.statusCode).toBe(201);
    const late = reg.json<{ id: string }>().id;
    const pair = await post(`/v1/fairs/${fairId}/pairs`, {
      a: pid.e2,
      b: late,
      decision: 'approved',
    });
    expect(pair.statusCode).toBeLessThan(300);
    const pref = await put(`/v1/fairs/${fairId}/participants/${late}/preferences`, {
      items: [{ participantId: pid.e2, preference: 'must' }],
    });
    expect(pref.statusCode).toBe(200);
    const start = await post(`/v1/fairs/${fairId}/replan`, {});
    expect(start.statusCode).toBe(202);
    const run = await finished(fairId, start.json<RunJson>().id);
    expect(run.status).toBe('done');
    expect(run.diff!.added.some((m) => involves(m, pid.e2, late))).toBe(true);
    // Old candidates keep their indices; the late pair is appended.
    const { instance, result } = stored(run.id);
    const n = base.instance.candidates.length;
    expect(instance.candidates.slice(0, n).map((c) => [c.a, c.b])).toEqual(
      base.instance.candidates.map((c) => [c.a, c.b]),
    );
    expect(instance.candidates.length).toBeGreaterThan(n);
    expect(checkFair(instance, result.schedule.meetings)).toEqual([]);
    const movedPairs = new Set(
      run.diff!.moved.map((m) => `${m.a.participantId}:${m.b.participantId}`),
    );
    const cancelledPairs = new Set(
      run.diff!.cancelled.map((m) => `${m.a.participantId}:${m.b.participantId}`),
    );
    const after = new Map(
      run.result!.meetings.map((m) => [`${m.a.participantId}:${m.b.participantId}`, m]),
    );
    for (const m of before) {
      const k = `${m.a.participantId}:${m.b.participantId}`;
      if (cancelledPairs.has(k)) continue;
      const now = after.get(k);
      expect(now).toBeDefined();
      if (!movedPairs.has(k)) expect(`${now!.slot}:${now!.table}`).toBe(`${m.slot}:${m.table}`);
    }
  });
});
