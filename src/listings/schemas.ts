import Type, { type Static } from 'typebox';

/** Which way a listing points: an enterprise's need (技术需求) or an institute's offer (科技成果). */
export const Side = Type.Union([Type.Literal('need'), Type.Literal('offer')]);
export type Side = Static<typeof Side>;

export const Maturity = Type.Union(
  [
    Type.Literal('concept'), // 概念/正在研发
    Type.Literal('lab'), // 实验室阶段
    Type.Literal('sample'), // 已有样品
    Type.Literal('small_trial'), // 通过小试
    Type.Literal('pilot'), // 通过中试
    Type.Literal('production'), // 可以量产
  ],
  {
    description: 'Technology readiness: concept < lab < sample < small_trial < pilot < production',
  },
);

export const CooperationMode = Type.Union([
  Type.Literal('transfer'), // 技术转让
  Type.Literal('license'), // 技术许可
  Type.Literal('joint_development'), // 合作开发
  Type.Literal('commissioned'), // 委托开发
  Type.Literal('equity'), // 技术入股
  Type.Literal('consulting'), // 技术咨询/服务
  Type.Literal('other'),
]);

export const IpType = Type.Union([
  Type.Literal('invention_patent'),
  Type.Literal('utility_patent'),
  Type.Literal('design_patent'),
  Type.Literal('software_copyright'),
  Type.Literal('know_how'),
  Type.Literal('none'),
  Type.Literal('other'),
]);

export const PriceRange = Type.Object(
  {
    min: Type.Optional(Type.Number({ minimum: 0 })),
    max: Type.Optional(Type.Number({ minimum: 0 })),
  },
  {
    additionalProperties: false,
    description: 'Budget of a need or asking price of an offer, in 万元 (10,000 CNY)',
  },
);

export const EmbeddingStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('ready'),
  Type.Literal('failed'),
]);

/** Limits come from config so that operators can tune them; the schema is built from them. */
export interface TextLimits {
  titleMax: number;
  descriptionMax: number;
}

/** The writable fields of a listing; `required` says which a create must carry. */
export function listingInputSchema(limits: TextLimits) {
  return Type.Object(
    {
      title: Type.String({ minLength: 1, maxLength: limits.titleMax, pattern: '\\S' }),
      description: Type.String({ minLength: 1, maxLength: limits.descriptionMax, pattern: '\\S' }),
      keywords: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 30 }),
      ),
      industry: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      regionCode: Type.Optional(
        Type.String({ pattern: '^[1-8][0-9]{5}$', description: 'GB/T 2260 administrative code' }),
      ),
      maturity: Type.Optional(Maturity),
      cooperationModes: Type.Optional(
        Type.Array(CooperationMode, { maxItems: 7, uniqueItems: true }),
      ),
      price: Type.Optional(PriceRange),
      ipType: Type.Optional(IpType),
      confidentiality: Type.Optional(
        Type.Union([Type.Literal('public'), Type.Literal('confidential')], {
          description: 'confidential: the description is never shown to other parties',
        }),
      ),
      status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('closed')])),
      organisationId: Type.Optional(Type.String({ format: 'uuid' })),
      source: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    },
    { additionalProperties: false },
  );
}

export type ListingInput = Static<ReturnType<typeof listingInputSchema>>;

/** A PATCH carries any subset of the writable fields except the import key. */
export function listingPatchSchema(limits: TextLimits) {
  const full = listingInputSchema(limits);
  const { source: _s, externalId: _e, ...rest } = full.properties;
  return Type.Partial(Type.Object(rest, { additionalProperties: false }), {
    additionalProperties: false,
    minProperties: 1,
  });
}

export type ListingPatch = Partial<Omit<ListingInput, 'source' | 'externalId'>>;

export const Listing = Type.Object({
  id: Type.String(),
  side: Side,
  title: Type.String(),
  description: Type.String(),
  keywords: Type.Array(Type.String()),
  industry: Type.Union([Type.String(), Type.Null()]),
  regionCode: Type.Union([Type.String(), Type.Null()]),
  maturity: Type.Union([Type.String(), Type.Null()]),
  cooperationModes: Type.Array(Type.String()),
  price: Type.Object({
    min: Type.Union([Type.Number(), Type.Null()]),
    max: Type.Union([Type.Number(), Type.Null()]),
  }),
  ipType: Type.Union([Type.String(), Type.Null()]),
  confidentiality: Type.String(),
  status: Type.String(),
  organisationId: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.String(), Type.Null()]),
  externalId: Type.Union([Type.String(), Type.Null()]),
  embeddingStatus: EmbeddingStatus,
  embeddingError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Listing = Static<typeof Listing>;

export const BulkItemResult = Type.Object({
  index: Type.Integer(),
  status: Type.Union([
    Type.Literal('created'),
    Type.Literal('updated'),
    Type.Literal('unchanged'),
    Type.Literal('error'),
  ]),
  id: Type.Optional(Type.String()),
  embeddingStatus: Type.Optional(EmbeddingStatus),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type BulkItemResult = Static<typeof BulkItemResult>;
