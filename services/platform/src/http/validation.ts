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
      const result: Joi.ValidationResult<unknown> = schema.validate(
        raw ?? (part === 'body' ? undefined : {}),
        OPTIONS,
      );
      if (result.error) {
        for (const d of result.error.details) {
          items.push({ code: 'VALIDATION_FAILED', message: d.message, field: [part, ...d.path].join('.') });
        }
      } else {
        (input as unknown as Record<string, unknown>)[part] = result.value;
      }
    }
    if (items.length) throw new DomainError('VALIDATION_FAILED', 'Request validation failed', { items });
    ctx.state.input = input;
    await next();
  };
}
