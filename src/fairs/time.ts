import type { FairSession } from '../db/schema.ts';

/** Whether the runtime knows this IANA time zone. */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(tz: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant of a local wall time ("2026-05-20", minutes after midnight) in a zone. */
export function zonedInstant(date: string, minutes: number, tz: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  // Two passes settle the offset also next to a daylight-saving change.
  let t = wall - offsetAt(tz, wall);
  t = wall - offsetAt(tz, t);
  return new Date(t);
}

/** Total slots of a fair's sessions. */
export function slotCount(sessions: FairSession[]): number {
  return sessions.reduce((s, x) => s + x.slots, 0);
}

/** Inclusive 1-based slot ranges of the sessions, in order. */
export function sessionRanges(sessions: FairSession[]): [number, number][] {
  let next = 1;
  return sessions.map((s) => {
    const r: [number, number] = [next, next + s.slots - 1];
    next += s.slots;
    return r;
  });
}

export interface SlotTime {
  slot: number;
  start: Date;
  end: Date;
  /** Local date and times in the fair's zone, as printed on agendas. */
  date: string;
  localStart: string;
  localEnd: string;
}

const hhmm = (min: number) =>
  `${String(Math.floor(min / 60) % 24).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/** Start and end of every slot (1-based index = position in the result + 1). */
export function slotTimes(sessions: FairSession[], slotMinutes: number, tz: string): SlotTime[] {
  const out: SlotTime[] = [];
  for (const s of sessions) {
    const [h, m] = s.start.split(':').map(Number) as [number, number];
    for (let i = 0; i < s.slots; i++) {
      const from = h * 60 + m + i * slotMinutes;
      out.push({
        slot: out.length + 1,
        start: zonedInstant(s.date, from, tz),
        end: zonedInstant(s.date, from + slotMinutes, tz),
        date: s.date,
        localStart: hhmm(from),
        localEnd: hhmm(from + slotMinutes),
      });
    }
  }
  return out;
}
