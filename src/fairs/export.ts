import type { FairRow } from '../db/schema.ts';
import type { TableData } from '../rematch/export.ts';
import type { FairMeetingView } from './service.ts';

/** RFC 5545 text value: backslash, semicolon, comma and newlines escaped. */
function icsText(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r?\n/g, '\\n');
}

/** Lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character. */
function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > 75) {
      out.push(cur);
      cur = ' ';
      bytes = 1;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n');
}

const icsTime = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/**
 * A participant's agenda as iCalendar: one VEVENT per meeting, times in UTC (every calendar
 * shows them in its own zone; the fair's zone is named in X-WR-TIMEZONE).
 */
export function agendaIcs(f: FairRow, participantId: string, meetings: FairMeetingView[]): string {
  const now = icsTime(new Date().toISOString());
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//techmatch//fair agenda//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${icsText(f.name)}`,
    `X-WR-TIMEZONE:${icsText(f.timeZone)}`,
  ];
  for (const m of meetings) {
    const other = m.a.participantId === participantId ? m.b : m.a;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${f.id}-${m.candidate}-${participantId}@techmatch`,
      `DTSTAMP:${now}`,
      `DTSTART:${icsTime(m.start)}`,
      `DTEND:${icsTime(m.end)}`,
      `SUMMARY:${icsText(`${f.name}: ${other.name}`)}`,
      `LOCATION:${icsText(m.tableLabel)}`,
      `DESCRIPTION:${icsText(`洽谈 / Meeting with ${other.name} — ${m.tableLabel}, slot ${m.slot}`)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
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
