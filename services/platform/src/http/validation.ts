import type Joi from 'joi';
import type { Middleware } from 'koa';
import { DomainError, type ErrorItem } from './errors.ts';

/** Joi schemas for one route; also the source of its OpenAPI operation. */
export interface RouteSchemas {
  params?: Joi.ObjectSchema;
  query?: Joi.ObjectSchema;
  body?: Joi.Schema;
  /** Schema of `data` in the success envelope, for the OpenAPI document. */
  response?: Joi.Schema;
  /**
   * A `multipart/form-data` upload, for the OpenAPI document: its text fields and the name of its
   * file field (the handler reads and checks them, e.g. with the same `fields` schema).
   */
  multipart?: MultipartSchema;
}

export interface MultipartSchema {
  fields: Joi.ObjectSchema;
  file: string;
  /** How many files the field takes (default 1). */
  maxFiles?: number;
}

const OPTIONS: Joi.ValidationOptions = {
  abortEarly: false,
  allowUnknown: false,
  convert: true,
  errors: { wrap: { label: false } },
};

/** Validated input, available to handlers as `ctx.state.input`. */
export interface ValidatedInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

/**
 * Paths of the strings (values or keys) in `value` that hold a NUL character: PostgreSQL text and
 * jsonb cannot store one, so input carrying it is refused up front (the OpenAPI document says so
 * with a pattern on every string, see openapi.ts).
 */
function nulPaths(value: unknown, path: string[], out: string[][] = []): string[][] {
  if (out.length >= 10) return out;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nulPaths(v, [...path, String(i)], out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) out.push([...path, k]);
      nulPaths(v, [...path, k], out);
    }
  }
  return out;
}

/**
 * One part of a request (`params`, `query`, `body`; a multipart upload's fields) checked against its
 * schema: the value as converted, or one error item per problem (`field` = part + path). Strings
 * holding NUL are refused on what validation kept (keys a schema strips are ignored extras).
 */
export function checkPart<T>(
  schema: Joi.Schema,
  raw: unknown,
  part: string,
): { value: T; items: ErrorItem[] } {
  const result = schema.validate(raw, OPTIONS);
  const items: ErrorItem[] = (result.error?.details ?? []).map((d) => ({
    code: 'VALIDATION_FAILED',
    message: d.message,
    field: [part, ...d.path].join('.'),
  }));
  if (!items.length)
    for (const at of nulPaths(result.value, [part]))
      items.push({
        code: 'VALIDATION_FAILED',
        message: 'must not contain NUL characters',
        field: at.join('.'),
      });
  // joi's validate() is untyped; T is what the caller's schema declares (Joi.object<T>).
  return { value: result.value as T, items };
}

/**
 * Validates params, query and body together and reports every problem at once
 * (400 VALIDATION_FAILED, one item per field); unknown fields are rejected.
 */
export function validate(schemas: RouteSchemas): Middleware {
  return async (ctx, next) => {
    const items: ErrorItem[] = [];
    const input: ValidatedInput = { params: {}, query: {}, body: undefined };
    const parts = [
      ['params', schemas.params, ctx.params as unknown],
      ['query', schemas.query, ctx.query],
      ['body', schemas.body, (ctx.request as { body?: unknown }).body],
    ] as const;
    for (const [part, schema, raw] of parts) {
      if (!schema) continue;
      const checked = checkPart(schema, raw ?? (part === 'body' ? undefined : {}), part);
      items.push(...checked.items);
      if (!checked.items.length) (input as unknown as Record<string, unknown>)[part] = checked.value;
    }
    if (items.length) throw new DomainError('VALIDATION_FAILED', 'Request validation failed', { items });
    ctx.state.input = input;
    await next();
  };
}
