import Joi from 'joi';
import { buildOpenApi, defineRoute } from '../../src/index.ts';

/** The document is as strict as joi: what joi refuses, the schema does not allow either. */
describe('OpenAPI schemas say what joi validates', () => {
  const body = Joi.object({
    name: Joi.string().max(50).required(),
    note: Joi.string().allow(''),
    site: Joi.string().uri({ scheme: ['http', 'https'] }),
    tags: Joi.array().items(Joi.string()),
    amount: Joi.alternatives().try(Joi.number().integer(), Joi.string().pattern(/^\d+$/)),
  }).min(1);
  // As a client reads it: plain JSON.
  const doc = JSON.parse(
    JSON.stringify(
      buildOpenApi({
        service: 'doc',
        basePath: '/api/doc/v1',
        routes: [
          defineRoute({
            method: 'patch',
            path: '/things/:id',
            summary: 'Change a thing',
            schemas: { params: Joi.object<{ id: string }>({ id: Joi.string().uuid().required() }), body },
            handler: async () => ({}),
          }),
        ],
      }),
    ),
  );
  const op = doc.paths['/api/doc/v1/things/{id}'].patch;
  const schema = op.requestBody.content['application/json'].schema;

  it('an empty string only where joi allows it', () => {
    expect(body.validate({ name: '' }).error).toBeDefined();
    expect(schema.properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 50 });
    expect(body.validate({ name: 'x', note: '' }).error).toBeUndefined();
    expect(schema.properties.note.minLength).toBeUndefined();
    expect(schema.properties.tags.items.minLength).toBe(1);
    expect(schema.properties.amount.anyOf[1]).toMatchObject({
      type: 'string',
      minLength: 1,
      pattern: '^\\d+$',
    });
    expect(op.parameters[0].schema.minLength).toBe(1);
  });

  it('at least one property where joi wants one, and only the URI schemes joi accepts', () => {
    expect(body.validate({}).error).toBeDefined();
    expect(schema.minProperties).toBe(1);
    expect(body.validate({ name: 'x', site: 'ftp://example.com' }).error).toBeDefined();
    expect(new RegExp(schema.properties.site.pattern).test('ftp://example.com')).toBe(false);
    expect(new RegExp(schema.properties.site.pattern).test('https://example.com')).toBe(true);
  });
});
