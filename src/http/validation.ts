import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

function makeAjv(opts: Options): Ajv {
  // Unknown fields are an error, never silently dropped: a typo must not lose data.
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
    ...opts,
  });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Bodies are validated strictly (a number is not a title); query strings and path params are
 * text by nature, so they are coerced ("10" → 10) before validation.
 */
export function installValidators(app: FastifyInstance): void {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema),
  );
}
