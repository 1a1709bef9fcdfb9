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
 * Whether PostgreSQL can store `s` as given: no NUL (text and jsonb cannot hold one) and well-formed
 * UTF-16 (a lone surrogate, `"\ud800"`, has no UTF-8 form: text would silently store U+FFFD, jsonb
 * refuses its `\ud800` escape). Paired surrogates (emoji) are fine.
 */
export const isStorableText = (s: string): boolean => !s.includes('\u0000') && s.isWellFormed();

/**
 * Paths of the strings (values or keys) in `value` that are not storable text (`isStorableText`),
 * so input carrying one is refused up front (the OpenAPI document says so for NUL with a pattern on
 * every string, see openapi.ts).
 */
function badTextPaths(value: unknown, path: string[], out: string[][] = []): string[][] {
  if (out.length >= 10) return out;
  if (typeof value === 'string') {
    if (!isStorableText(value)) out.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => badTextPaths(v, [...path, String(i)], out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!isStorableText(k)) out.push([...path, k]);
      badTextPaths(v, [...path, k], out);
    }
  }
  return out;
}

/** A part of a request as checked: its converted value, or the problems found. */
export type CheckedPart<T> = { ok: true; value: T } | { ok: false; items: ErrorItem[] };

/**
 * One part of a request (`params`, `query`, `body`; a multipart upload's fields) checked against its
 * schema: the value as converted, or one error item per problem (`field` = part + path). Strings
 * holding NUL or a lone surrogate are refused (400 INVALID_TEXT) on what validation kept (keys a
 * schema strips are ignored extras).
 */
export function checkPart<T>(schema: Joi.Schema<T>, raw: unknown, part: string): CheckedPart<T> {
  const result = schema.validate(raw, OPTIONS);
  if (result.error)
    return {
      ok: false,
      items: result.error.details.map((d) => ({
        code: 'VALIDATION_FAILED',
        message: d.message,
        field: [part, ...d.path].join('.'),
      })),
    };
  const bad = badTextPaths(result.value, [part]);
  if (bad.length)
    return {
      ok: false,
      items: bad.map((at) => ({
        code: 'INVALID_TEXT',
        message: 'must be well-formed text without NUL characters or lone surrogates',
        field: at.join('.'),
      })),
    };
  return { ok: true, value: result.value };
}

/**
 * Validates params, query and body together and reports every problem at once (400, one item per
 * field: VALIDATION_FAILED, or INVALID_TEXT for NUL and lone surrogates); unknown fields are rejected.
 */
export function validate(schemas: RouteSchemas): Middleware {
  return async (ctx, next) => {
    const items: ErrorItem[] = [];
    /** The part's value as its schema converted it; `fallback` when the route has no schema for it. */
    const check = <T>(part: string, schema: Joi.Schema<T> | undefined, raw: unknown, fallback: T): T => {
      if (!schema) return fallback;
      const checked = checkPart(schema, raw, part);
      if (checked.ok) return checked.value;
      items.push(...checked.items);
      return fallback;
    };
    const input: ValidatedInput = {
      params: check<Record<string, unknown>>('params', schemas.params, ctx.params ?? {}, {}),
      query: check<Record<string, unknown>>('query', schemas.query, ctx.query ?? {}, {}),
      body: check<unknown>('body', schemas.body, ctx.request.body, undefined),
    };
    if (items.length)
      throw new DomainError(
        items.every((i) => i.code === 'INVALID_TEXT') ? 'INVALID_TEXT' : 'VALIDATION_FAILED',
        'Request validation failed',
        { items },
      );
    ctx.state.input = input;
    await next();
  };
}
