import Type from 'typebox';

const Uuid = (description: string) => Type.String({ format: 'uuid', description });

export const FairParams = Type.Object({ id: Uuid('fair id') }, { additionalProperties: false });
export const ParticipantParams = Type.Object(
  { id: Uuid('fair id'), pid: Uuid('participant id') },
  { additionalProperties: false },
);
export const RunParams = Type.Object(
  { id: Uuid('fair id'), run: Type.Integer({ minimum: 1, description: 'run id' }) },
  { additionalProperties: false },
);
export const TableParams = Type.Object(
  { id: Uuid('fair id'), table: Type.Integer({ minimum: 1, description: '1-based table' }) },
  { additionalProperties: false },
);

const Session = Type.Object(
  {
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'local date, YYYY-MM-DD' }),
    start: Type.String({
      pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
      description: 'local start time, HH:MM',
    }),
    slots: Type.Integer({ minimum: 1, maximum: 96 }),
  },
  { additionalProperties: false },
);

export const CreateFairBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone; Asia/Shanghai' }),
    ),
    slotMinutes: Type.Integer({ minimum: 5, maximum: 240 }),
    sessions: Type.Array(Session, { minItems: 1, maxItems: 40 }),
    tables: Type.Integer({ minimum: 1, maximum: 1000 }),
    tableLabels: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 1000 }),
    ),
  },
  { additionalProperties: false },
);

export const Fair = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timeZone: Type.String(),
  slotMinutes: Type.Integer(),
  sessions: Type.Array(Session),
  slots: Type.Integer(),
  tables: Type.Integer(),
  tableLabels: Type.Union([Type.Array(Type.String()), Type.Null()]),
  publishedRunId: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const ParticipantBody = Type.Object(
  {
    organisationId: Uuid('the organisation taking part'),
    listingIds: Type.Optional(
      Type.Array(Type.String({ format: 'uuid' }), {
        maxItems: 200,
        description: "listings it brings; default: all the organisation's active listings",
      }),
    ),
    available: Type.Optional(
      Type.Array(Type.Boolean(), {
        maxItems: 4000,
        description: 'one entry per slot of the fair; default: every slot',
      }),
    ),
    maxMeetings: Type.Optional(Type.Integer({ minimum: 0, maximum: 4000 })),
    fixedTable: Type.Optional(
      Type.Integer({ minimum: 1, description: '1-based table this participant hosts at' }),
    ),
  },
  { additionalProperties: false },
);

export const Participant = Type.Object({
  id: Type.String(),
  fairId: Type.String(),
  organisationId: Type.String(),
  name: Type.String(),
  listingIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
  available: Type.Array(Type.Boolean()),
  maxMeetings: Type.Integer(),
  fixedTable: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('cancelled')]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const Preference = Type.Union([
  Type.Literal('must'),
  Type.Literal('want'),
  Type.Literal('no'),
]);
const NullablePreference = Type.Union([Preference, Type.Null()]);

const Reason = Type.Object({ code: Type.String(), zh: Type.String(), en: Type.String() });

export const Pair = Type.Object({
  a: Type.String(),
  b: Type.String(),
  score: Type.Union([Type.Number(), Type.Null()]),
  value: Type.Integer({ description: 'round(1000 × score × preference factors)' }),
  must: Type.Boolean(),
  vetoed: Type.Union([Type.String(), Type.Null()], { description: 'why the pair may not meet' }),
  reasons: Type.Array(Reason),
  listings: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: '[need id, offer id] behind the score',
  }),
  origin: Type.String(),
  decision: Type.String(),
  prefA: NullablePreference,
  prefB: NullablePreference,
  cancelled: Type.Boolean(),
});

const Party = Type.Object({
  participantId: Type.String(),
  organisationId: Type.String(),
  name: Type.String(),
});

export const ShortlistItem = Type.Object({
  counterpart: Party,
  score: Type.Union([Type.Number(), Type.Null()]),
  value: Type.Integer(),
  reasons: Type.Array(Reason),
  listings: Type.Union([
    Type.Object({
      need: Type.Object({ id: Type.String(), title: Type.String() }),
      offer: Type.Object({ id: Type.String(), title: Type.String() }),
    }),
    Type.Null(),
  ]),
  origin: Type.String(),
  decision: Type.String(),
  myPreference: NullablePreference,
  theirPreference: NullablePreference,
  mutual: Type.Boolean({ description: 'both sides said want or must' }),
  vetoed: Type.Union([Type.String(), Type.Null()]),
});

export const MeetingView = Type.Object({
  candidate: Type.Integer(),
  slot: Type.Integer(),
  table: Type.Integer(),
  tableLabel: Type.String(),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  date: Type.String(),
  localStart: Type.String(),
  localEnd: Type.String(),
  value: Type.Number(),
  a: Party,
  b: Party,
});

const Place = Type.Object({ slot: Type.Integer(), table: Type.Integer() });

export const RunView = Type.Object({
  id: Type.Integer(),
  fairId: Type.String(),
  kind: Type.Union([Type.Literal('schedule'), Type.Literal('replan')]),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  baseRunId: Type.Union([Type.Integer(), Type.Null()]),
  published: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  candidates: Type.Integer(),
  result: Type.Union([
    Type.Object({
      meetings: Type.Array(MeetingView),
      value: Type.Number(),
      idleGaps: Type.Integer(),
      valueBound: Type.Number(),
      gap: Type.Number({ description: '(bound − value) / bound' }),
      ms: Type.Number(),
      method: Type.Optional(Type.String()),
      optimal: Type.Optional(Type.Boolean()),
      violations: Type.Array(Type.String()),
      unscheduled: Type.Integer(),
    }),
    Type.Null(),
  ]),
  diff: Type.Union([
    Type.Object({
      moved: Type.Array(
        Type.Object({ a: Party, b: Party, candidate: Type.Integer(), from: Place, to: Place }),
      ),
      cancelled: Type.Array(
        Type.Object({
          a: Party,
          b: Party,
          candidate: Type.Integer(),
          slot: Type.Integer(),
          table: Type.Integer(),
          reason: Type.String(),
        }),
      ),
      added: Type.Array(MeetingView),
    }),
    Type.Null(),
  ]),
});

export const Unscheduled = Type.Object({
  items: Type.Array(
    Type.Object({
      a: Party,
      b: Party,
      candidate: Type.Integer(),
      reason: Type.String(),
      detail: Type.String(),
    }),
  ),
});

export const ScheduleBody = Type.Object(
  {
    timeLimitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    exact: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('never'), Type.Literal('always')]),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const PairBody = Type.Object(
  {
    a: Uuid('participant id'),
    b: Uuid('participant id'),
    decision: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]),
  },
  { additionalProperties: false },
);

export const MeetingCancelBody = Type.Object(
  { a: Uuid('participant id'), b: Uuid('participant id') },
  { additionalProperties: false },
);

export const PreferencesBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          participantId: Uuid('the counterpart'),
          preference: Type.Union([Preference, Type.Literal('none')]),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);
