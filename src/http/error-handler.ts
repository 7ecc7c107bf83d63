import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ErrorCodes, type ErrorCode } from './errors.ts';

/** Fastify's own 4xx codes mapped to ours, so a client sees one vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
};

function codeForStatus(status: number): ErrorCode {
  const hit = (Object.entries(ErrorCodes) as [ErrorCode, number][]).find(([, s]) => s === status);
  return hit?.[0] ?? (status >= 500 ? 'internal' : 'validation_failed');
}

/**
 * The one renderer of errors: `{ statusCode, code, error, message, details? }`. 4xx messages
 * say what to fix; 5xx messages are hidden from clients and logged with the request id.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
    let status = 500;
    let code: ErrorCode = 'internal';
    let message = 'internal error';
    let details: unknown;
    if (err instanceof AppError) {
      status = err.status;
      code = err.code;
      message = err.message;
      details = err.details;
    } else if ('validation' in err && err.validation) {
      status = 400;
      const context = (err as FastifyError).validationContext;
      code = context === 'params' ? 'invalid_id' : 'validation_failed';
      message = err.message;
      details = err.validation.map((v) => ({
        path: `${context ?? ''}${v.instancePath}`,
        message: v.message,
        ...(v.keyword === 'additionalProperties'
          ? { field: (v.params as { additionalProperty?: string }).additionalProperty }
          : {}),
      }));
      if (err.validation.some((v) => v.keyword === 'additionalProperties')) {
        const f = err.validation.find((v) => v.keyword === 'additionalProperties');
        message = `unknown field "${(f?.params as { additionalProperty?: string }).additionalProperty}" in ${context ?? 'request'}`;
      }
    } else {
      const fe = err as FastifyError;
      const s = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
      if (s >= 400 && s < 500) {
        status = s;
        code = (fe.code && FASTIFY_CODES[fe.code]) || codeForStatus(s);
        message = fe.message;
      }
    }
    if (status >= 500) req.log.error({ err }, 'request failed');
    void reply.status(status).send({
      statusCode: status,
      code,
      error: code,
      message,
      ...(details === undefined ? {} : { details }),
    });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      statusCode: 404,
      code: 'not_found',
      error: 'not_found',
      message: `no route ${req.method} ${req.url.split('?')[0]}`,
    });
  });
}
