import ical, { ICalCalendarMethod } from 'ical-generator';
import type { FairRow } from '../db/schema.ts';
import type { TableData } from '../rematch/export.ts';
import type { FairMeetingView } from './service.ts';

/**
 * A participant's agenda as iCalendar (ical-generator: RFC 5545 escaping and 75-octet folding):
 * one VEVENT per meeting, times in UTC — every calendar shows them in its own zone; the fair's
 * zone is named in X-WR-TIMEZONE.
 */
export function agendaIcs(f: FairRow, participantId: string, meetings: FairMeetingView[]): string {
  const cal = ical({
    name: f.name,
    prodId: { company: 'techmatch', product: 'fair agenda', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
  });
  cal.x([{ key: 'X-WR-TIMEZONE', value: f.timeZone }]);
  const stamp = new Date();
  for (const m of meetings) {
    const other = m.a.participantId === participantId ? m.b : m.a;
    cal.createEvent({
      id: `${f.id}-${m.candidate}-${participantId}@techmatch`,
      stamp,
      start: new Date(m.start),
      end: new Date(m.end),
      summary: `${f.name}: ${other.name}`,
      location: m.tableLabel,
      description: `洽谈 / Meeting with ${other.name} — ${m.tableLabel}, slot ${m.slot}`,
    });
  }
  return cal.toString();
}

/** Everything printed into HTML goes through here. */
export function escapeHtml(s: string | number): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, heading: string, head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="zh">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}th,td{border:1px solid #888;padding:.4em;text-align:left}@media print{body{margin:0}}</style>
</head>
<body>
<h1>${escapeHtml(heading)}</h1>
<table>
<thead><tr>${th}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>
`;
}

/** A participant's printable agenda (times local to the fair). */
export function agendaHtml(
  f: FairRow,
  participant: { id: string; name: string },
  meetings: FairMeetingView[],
): string {
  return page(
    `${f.name} — ${participant.name}`,
    `${f.name} · ${participant.name} · 日程 / Agenda (${f.timeZone})`,
    ['日期 Date', '时间 Time', '桌 Table', '洽谈方 Counterpart'],
    meetings.map((m) => [
      m.date,
      `${m.localStart}–${m.localEnd}`,
      m.tableLabel,
      (m.a.participantId === participant.id ? m.b : m.a).name,
    ]),
  );
}

/** The sheet for one table: its meetings through the fair. */
export function tableSheetHtml(f: FairRow, label: string, meetings: FairMeetingView[]): string {
  return page(
    `${f.name} — ${label}`,
    `${f.name} · ${label} (${f.timeZone})`,
    ['日期 Date', '时间 Time', '时段 Slot', '甲方 Participant A', '乙方 Participant B'],
    meetings.map((m) => [m.date, `${m.localStart}–${m.localEnd}`, m.slot, m.a.name, m.b.name]),
  );
}

/** All meetings as a table for the CSV/XLSX writers (which escape formula-like cells). */
export function meetingsTable(meetings: FairMeetingView[]): TableData {
  return {
    sheet: 'meetings',
    columns: [
      'slot',
      'date',
      'start',
      'end',
      'table',
      'participant_a',
      'organisation_a',
      'participant_b',
      'organisation_b',
      'value',
    ],
    rows: meetings.map((m) => [
      m.slot,
      m.date,
      m.localStart,
      m.localEnd,
      m.tableLabel,
      m.a.participantId,
      m.a.name,
      m.b.participantId,
      m.b.name,
      m.value,
    ]),
  };
}
