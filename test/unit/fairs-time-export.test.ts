import { describe, expect, it } from 'vitest';
import type { FairRow } from '../../src/db/schema.ts';
import { agendaIcs, escapeHtml } from '../../src/fairs/export.ts';
import type { FairMeetingView } from '../../src/fairs/service.ts';
import { sessionRanges, slotTimes, zonedInstant } from '../../src/fairs/time.ts';

describe('fair slot times', () => {
  it('places local wall times in the fair zone, across daylight-saving changes', () => {
    expect(zonedInstant('2026-05-20', 9 * 60, 'Asia/Shanghai').toISOString()).toBe(
      '2026-05-20T01:00:00.000Z',
    );
    // New York: UTC−5 in winter, UTC−4 in summer.
    expect(zonedInstant('2026-01-15', 10 * 60, 'America/New_York').toISOString()).toBe(
      '2026-01-15T15:00:00.000Z',
    );
    expect(zonedInstant('2026-07-15', 10 * 60, 'America/New_York').toISOString()).toBe(
      '2026-07-15T14:00:00.000Z',
    );
  });

  it('numbers slots through the sessions in order', () => {
    const sessions = [
      { date: '2026-05-20', start: '09:00', slots: 3 },
      { date: '2026-05-21', start: '13:30', slots: 2 },
    ];
    expect(sessionRanges(sessions)).toEqual([
      [1, 3],
      [4, 5],
    ]);
    const t = slotTimes(sessions, 25, 'Asia/Shanghai');
    expect(t.map((x) => `${x.date} ${x.localStart}-${x.localEnd}`)).toEqual([
      '2026-05-20 09:00-09:25',
      '2026-05-20 09:25-09:50',
      '2026-05-20 09:50-10:15',
      '2026-05-21 13:30-13:55',
      '2026-05-21 13:55-14:20',
    ]);
    expect(t[3]!.start.toISOString()).toBe('2026-05-21T05:30:00.000Z');
  });
});

describe('fair exports', () => {
  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });

  it('writes iCalendar text escaped and folded at 75 octets', () => {
    const fair = { id: 'f', name: '对接会; A, B', timeZone: 'Asia/Shanghai' } as FairRow;
    const party = (id: string, name: string) => ({ participantId: id, organisationId: id, name });
    const m: FairMeetingView = {
      candidate: 0,
      slot: 1,
      table: 1,
      tableLabel: 'Table 1',
      start: '2026-05-20T01:00:00.000Z',
      end: '2026-05-20T01:20:00.000Z',
      date: '2026-05-20',
      localStart: '09:00',
      localEnd: '09:20',
      value: 1,
      a: party('p', 'P'),
      b: party('q', '很长的机构名称'.repeat(10)),
    };
    const ics = agendaIcs(fair, 'p', [m]);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, '');
    // ical-generator writes the calendar name as given; event text is escaped.
    expect(unfolded).toContain('X-WR-CALNAME:对接会; A, B');
    expect(unfolded).toContain('X-WR-TIMEZONE:Asia/Shanghai');
    expect(unfolded).toContain('DTSTART:20260520T010000Z');
    expect(unfolded).toContain(`SUMMARY:对接会\\; A\\, B: ${'很长的机构名称'.repeat(10)}`);
  });
});
