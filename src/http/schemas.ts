import Type from 'typebox';

/** The body of every error response. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
});

/** Standard error responses, merged into every route's `response` schema. */
export const errorResponses = {
  400: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
};

export const IdParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'listing id (UUIDv7)' }) },
  { additionalProperties: false },
);
