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

/** A part of a request as checked: its converted value, or the problems found. */
export type CheckedPart<T> = { ok: true; value: T } | { ok: false; items: ErrorItem[] };

/**
 * One part of a request (`params`, `query`, `body`; a multipart upload's fields) checked against its
 * schema: the value as converted, or one error item per problem (`field` = part + path). Strings
 * holding NUL are refused on what validation kept (keys a schema strips are ignored extras).
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
  const nul = nulPaths(result.value, [part]);
  if (nul.length)
    return {
      ok: false,
      items: nul.map((at) => ({
        code: 'VALIDATION_FAILED',
        message: 'must not contain NUL characters',
        field: at.join('.'),
      })),
    };
  return { ok: true, value: result.value };
}

/**
 * Validates params, query and body together and reports every problem at once
 * (400 VALIDATION_FAILED, one item per field); unknown fields are rejected.
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
    if (items.length) throw new DomainError('VALIDATION_FAILED', 'Request validation failed', { items });
    ctx.state.input = input;
    await next();
  };
}
