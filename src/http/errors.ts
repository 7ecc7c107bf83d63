/** Every error code a client can see. Stable: clients branch on these, never on messages. */
export const ErrorCodes = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_id: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  fair_not_found: 404,
  participant_not_in_fair: 404,
  method_not_allowed: 405,
  conflict: 409,
  unknown_model: 400,
  not_ready: 409,
  schedule_not_published: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_items: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** The one error type of the service: a stable code, its HTTP status and a message a person can act on. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = ErrorCodes[code];
    this.details = details;
  }
}

/** Shorthand for the most common error. */
export function notFound(what: string, id: string): AppError {
  return new AppError('not_found', `${what} ${id} does not exist`);
}
