import type Joi from 'joi';
import joiToJson from 'joi-to-json';
import type { HttpAppOptions } from './app.ts';
import { isRecord } from '../guards.ts';
import { docsOf } from './documented.ts';

type JsonSchema = Record<string, unknown>;

// The package is CommonJS (`module.exports = parse`) but its typings declare an ES default export.
const parse = joiToJson as unknown as (schema: Joi.Schema, mode: 'open-api') => JsonSchema;
/** A schema's sub-schemas as JSON objects (what joi-to-json writes there), or none. */
const schemaAt = (value: unknown): JsonSchema | undefined => (isRecord(value) ? value : undefined);
const schemasIn = (value: unknown): Record<string, JsonSchema> =>
  Object.fromEntries(
    Object.entries(schemaAt(value) ?? {}).flatMap(([k, v]) => (isRecord(v) ? [[k, v]] : [])),
  );
const schemaList = (value: unknown): JsonSchema[] => (Array.isArray(value) ? value.filter(isRecord) : []);
const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** `request`: what the API accepts (joi's own strictness added); `response`: what it answers. */
type Direction = 'request' | 'response';
const toSchema = (schema: Joi.Schema, direction: Direction = 'request'): JsonSchema =>
  direction === 'request' ? refine(schema.describe(), parse(schema, 'open-api')) : parse(schema, 'open-api');

// What JavaScript's String.prototype.trim removes (WhiteSpace and LineTerminator), spelled out:
// `\s` differs between ECMAScript and the Python regexes Schemathesis generates from.
const WS = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/**
 * The strings a joi string without its own pattern accepts: no NUL anywhere (validation.ts refuses
 * it: PostgreSQL cannot store it) and, when it trims, between `min` and `max` characters once
 * trimmed (whitespace around them is free, so the raw length says nothing).
 */
export function stringPattern(trim: boolean, min: number, max?: number): string {
  if (!trim) return '^[^\\u0000]*$';
  const solid = `[^${WS}\\u0000]`;
  const any = '[^\\u0000]';
  const inner = (lo: number) => `${any}{${Math.max(lo, 0)},${max === undefined ? '' : max - 2}}`;
  const body =
    max === 0 ? '' : max === 1 ? solid : `${solid}(?:${inner(min - 2)}${solid})${min >= 2 ? '' : '?'}`;
  return min < 1 ? `^[${WS}]*(?:${body})?[${WS}]*$` : `^[${WS}]*${body}[${WS}]*$`;
}

interface JoiDescription {
  type?: string;
  allow?: unknown[];
  rules?: Array<{ name: string; args?: Record<string, unknown> }>;
  keys?: Record<string, JoiDescription>;
  items?: JoiDescription[];
  matches?: Array<{ schema?: JoiDescription }>;
  metas?: Array<{ enum?: string[] }>;
}

/**
 * What joi validates that joi-to-json leaves out, so the document is as strict as the API: a joi
 * string refuses `''` unless it `allow('')`s it (`minLength: 1`); an object's `.min(n)` keys
 * (`minProperties`); a URI's schemes (`pattern`). Walks the joi description beside the JSON.
 */
function refine(d: JoiDescription, json: JsonSchema): JsonSchema {
  const rule = (name: string) => d.rules?.find((r) => r.name === name);
  if (d.type === 'string' && json.type === 'string') {
    // A set a custom rule checks (time zones), listed for clients with `meta({ enum })`.
    const listed = d.metas?.find((m) => m.enum)?.enum;
    if (listed) json.enum = listed;
    if (!d.allow?.includes('') && json.minLength === undefined && !json.enum) json.minLength = 1;
    const schemes = stringList(schemaAt(rule('uri')?.args?.options)?.scheme);
    if (schemes.length && !json.pattern) json.pattern = `^(${schemes.join('|')}):`;
    if (!json.pattern && !json.enum && !json.format) {
      const limit = (name: string) => {
        const value: unknown = rule(name)?.args?.limit;
        return typeof value === 'number' ? value : undefined;
      };
      const trim = !!rule('trim');
      json.pattern = stringPattern(trim, limit('min') ?? (d.allow?.includes('') ? 0 : 1), limit('max'));
      // Joi counts length after trimming; the pattern says it, the raw length must not.
      if (trim) {
        delete json.minLength;
        delete json.maxLength;
      }
    }
  }
  if (d.type === 'object') {
    const min = rule('min')?.args?.limit;
    if (typeof min === 'number') json.minProperties = min;
    const props = schemasIn(json.properties);
    for (const [k, sub] of Object.entries(d.keys ?? {})) if (props[k]) refine(sub, props[k]);
  }
  const items = schemaAt(json.items);
  if (d.type === 'array' && d.items?.[0] && items) refine(d.items[0], items);
  if (d.type === 'alternatives') {
    const options = schemaList(json.anyOf ?? json.oneOf);
    d.matches?.forEach((m, i) => m.schema && options[i] && refine(m.schema, options[i]));
  }
  return json;
}

/** Turns an object schema's keys into OpenAPI parameters (`in: path|query|header`). */
function parameters(where: 'path' | 'query' | 'header', schema: Joi.ObjectSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema);
  const required = stringList(json.required);
  return Object.entries(schemasIn(json.properties)).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    schema: s,
    ...(typeof s.description === 'string' && { description: s.description }),
  }));
}

const envelope = (data: JsonSchema): JsonSchema => ({
  type: 'object',
  required: ['success', 'data'],
  properties: {
    success: { type: 'boolean', enum: [true] },
    data,
    meta: { type: 'object', properties: { nextCursor: { type: 'string', nullable: true } } },
  },
});

/** What `x-branch-scope` means, in an operation's description. */
const SCOPE_WORDS: Record<string, string> = {
  tenant: 'for the whole business (a grant limited to some branches is refused)',
  records: 'in the branches of the records concerned (lists show only those)',
  self: "anywhere (the caller's own data)",
  path: 'in the branch the path names',
  query: 'in the branch the query names',
  body: 'in the branch the body names (none named: for the whole business)',
};

/** OpenAPI 3.0 document of a service, generated from its routes' joi schemas. */
export function buildOpenApi(
  opts: Pick<HttpAppOptions, 'service' | 'version' | 'basePath' | 'routes'>,
): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of opts.routes) {
    const path = `${r.root ? '' : opts.basePath}${r.path}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const status = String(r.status ?? 200);
    const doc = docsOf(r.middleware);
    const headers = doc.headers.filter((h, i, all) => all.findIndex((x) => x.name === h.name) === i);
    const op: Record<string, unknown> = {
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: r.summary,
      tags: r.tags ?? [opts.service],
      ...(doc.permission && {
        description: `Requires the permission \`${doc.permission}\` ${SCOPE_WORDS[doc.scope.split(':')[0]!] ?? ''}.`,
        'x-permission': doc.permission,
        'x-branch-scope': doc.scope,
      }),
      parameters: [
        ...parameters('path', r.schemas?.params),
        ...parameters('query', r.schemas?.query),
        ...headers.map((h) => ({
          name: h.name,
          in: 'header',
          required: h.required,
          description: h.description,
          schema: h.schema ?? { type: 'string' },
        })),
      ],
      responses: {
        [status]: {
          description: 'Success',
          ...(status !== '204' && {
            content: r.produces
              ? Object.fromEntries(
                  [r.produces.contentType].flat().map((type) => [
                    type,
                    {
                      schema: r.produces?.schema
                        ? toSchema(r.produces.schema, 'response')
                        : { type: 'string', ...(!type.startsWith('text/') && { format: 'binary' }) },
                    },
                  ]),
                )
              : {
                  'application/json': {
                    schema: envelope(r.schemas?.response ? toSchema(r.schemas.response, 'response') : {}),
                  },
                },
          }),
        },
        default: {
          description: 'Error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
        },
      },
      ...(r.auth && { security: [{ bearerAuth: [] }] }),
    };
    if (r.schemas?.body)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(r.schemas.body) } },
      };
    const upload = r.schemas?.multipart;
    if (upload) {
      const fields = toSchema(upload.fields);
      const file = { type: 'string', format: 'binary' };
      op.requestBody = {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: {
                ...schemasIn(fields.properties),
                [upload.file]:
                  (upload.maxFiles ?? 1) > 1
                    ? { type: 'array', items: file, minItems: 1, maxItems: upload.maxFiles }
                    : file,
              },
              additionalProperties: false,
              required: [...stringList(fields.required), upload.file],
            },
          },
        },
      };
    }
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.0.3',
    info: { title: `Faena ${opts.service} API`, version: opts.version ?? '0.0.0' },
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        ErrorEnvelope: {
          type: 'object',
          required: ['success', 'errors'],
          properties: {
            success: { type: 'boolean', enum: [false] },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['code', 'message'],
                properties: {
                  code: { type: 'string' },
                  message: { type: 'string' },
                  field: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  };
}
