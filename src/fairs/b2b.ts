import { readFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/** The `b2b-instance/1` JSON format of brokerage-event scheduling instances (see FORMAT.md). */
export const B2bInstanceSchema = Type.Object({
  format: Type.Literal('b2b-instance/1'),
  name: Type.String(),
  slots: Type.Integer({ minimum: 1 }),
  tables: Type.Integer({ minimum: 1 }),
  sessions: Type.Union([
    Type.Object({
      am: Type.Tuple([Type.Integer(), Type.Integer()]),
      pm: Type.Tuple([Type.Integer(), Type.Integer()]),
    }),
    Type.Null(),
  ]),
  participants: Type.Array(
    Type.Object({
      id: Type.Integer(),
      meetings: Type.Array(Type.Integer()),
      forbidden_slots: Type.Array(Type.Integer()),
    }),
  ),
  meetings: Type.Array(
    Type.Object({
      id: Type.Integer(),
      a: Type.Integer(),
      b: Type.Integer(),
      session: Type.Union([Type.Literal('am'), Type.Literal('pm'), Type.Literal('any')]),
      fixed_slot: Type.Union([Type.Integer(), Type.Null()]),
      after: Type.Array(Type.Integer()),
    }),
  ),
});
export type B2bInstance = Static<typeof B2bInstanceSchema>;

/** Meeting id → slot (1-based), the schedule format check.mjs reads. */
export type B2bSchedule = Record<number, number>;

/** Reads and validates an instance file; a bad file is an error naming the first problem. */
export function readB2bInstance(file: string): B2bInstance {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Value.Check(B2bInstanceSchema, raw)) {
    const e = Value.Errors(B2bInstanceSchema, raw)[0];
    throw new Error(
      `${file} is not a b2b-instance/1 file: ${e ? `${e.instancePath} ${e.message}` : 'invalid'}`,
    );
  }
  const ids = new Set(raw.participants.map((p) => p.id));
  for (const m of raw.meetings) {
    if (!ids.has(m.a) || !ids.has(m.b) || m.a === m.b)
      throw new Error(`meeting ${m.id}: bad participants ${m.a}, ${m.b}`);
  }
  return raw;
}

/** Slots a meeting may use: its session, its fixed slot, neither participant's forbidden slots. */
export function allowedSlots(inst: B2bInstance, meetingIndex: number): number[] {
  const m = inst.meetings[meetingIndex]!;
  const forbidden = new Set<number>();
  for (const p of inst.participants)
    if (p.id === m.a || p.id === m.b) for (const t of p.forbidden_slots) forbidden.add(t);
  const out: number[] = [];
  for (let t = 1; t <= inst.slots; t++) {
    if (forbidden.has(t)) continue;
    if (m.fixed_slot && t !== m.fixed_slot) continue;
    if (inst.sessions && m.session === 'am' && (t < inst.sessions.am[0] || t > inst.sessions.am[1]))
      continue;
    if (inst.sessions && m.session === 'pm' && (t < inst.sessions.pm[0] || t > inst.sessions.pm[1]))
      continue;
    out.push(t);
  }
  return out;
}
