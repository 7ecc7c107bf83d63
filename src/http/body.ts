import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.ts';

/** Deeper JSON than this is refused: no field of the API nests more than a few levels. */
export const MAX_JSON_DEPTH = 32;

// C0 and C1 control characters except tab and newline (carriage returns become newlines).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * A text as it may be stored: Unicode NFC, line breaks as `\n`, no control characters.
 * Refuses (throws `validation_failed`) a text with a lone surrogate, which no encoding can store.
 */
export function normaliseText(s: string, where = 'text'): string {
  if (!s.isWellFormed()) {
    throw new AppError(
      'validation_failed',
      `${where} contains an unpaired UTF-16 surrogate (broken Unicode); send valid UTF-8 text`,
      { path: where },
    );
  }
  return s.normalize('NFC').replace(/\r\n?/g, '\n').replace(CONTROL, '');
}

/**
 * Makes a parsed JSON value valid by construction: every string normalised (`normaliseText`),
 * every number finite (`1e400` parses to Infinity, which no column or response can hold),
 * nesting bounded. Throws a 400 naming the path of the first offending value.
 */
export function cleanJson(value: unknown, path = 'body', depth = 0): unknown {
  if (typeof value === 'string') return normaliseText(value, path);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new AppError(
        'validation_failed',
        `${path} is not a finite number (JSON numbers beyond ±1.8e308 are refused)`,
        { path },
      );
    }
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) {
    throw new AppError('validation_failed', `${path} nests deeper than ${MAX_JSON_DEPTH} levels`, {
      path,
    });
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      value[i] = cleanJson(value[i], `${path}/${i}`, depth + 1);
    return value;
  }
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) o[k] = cleanJson(o[k], `${path}/${k}`, depth + 1);
  return o;
}

/**
 * JSON bodies: Fastify's own parser (it refuses `__proto__` and `constructor.prototype` keys),
 * then `cleanJson`, so no route ever sees Infinity, a lone surrogate or a control character.
 */
export function installJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    void parse(req, body as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      try {
        done(null, cleanJson(value));
      } catch (e) {
        done(e as Error, undefined);
      }
    });
  });
}
