import Joi from 'joi';
import { defineRoute, uuid, type Route } from '@faena/platform';
import type { PosDeps } from '../deps.ts';
import { UNITS } from '../domain/inventory-units.ts';
import { loadProduct } from '../domain/menu.ts';
import { presentRecipe, setRecipe, type RecipeLineInput } from '../domain/recipes.ts';
import { em, params } from './common.ts';
import { recipeOut } from './menu-responses.ts';

/**
 * A product's recipe: read by whoever reads the menu in some branch (`menu.read`, `records`), kept
 * by managers with the menu (`menu.manage`, tenant-wide).
 */
export function recipeRoutes(deps: PosDeps): Route[] {
  const { guard } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/products/:id/recipe',
      summary: "What selling a product takes out of the inventory (its lines, its variants' and modifiers')",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.read', 'records')],
      schemas: { params, response: recipeOut },
      handler: async (_ctx, input) => presentRecipe(em(), await loadProduct(em(), input.params.id)),
    }),
    defineRoute({
      method: 'put',
      path: '/products/:id/recipe',
      summary:
        "Replace a product's recipe: inventory items and quantities, optionally per variant or modifier",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<{ lines: RecipeLineInput[] }>({
          lines: Joi.array()
            .items(
              Joi.object<RecipeLineInput>({
                itemId: uuid.required(),
                quantity: Joi.string()
                  .pattern(/^(?!0+(\.0+)?$)\d{1,9}(\.\d{1,6})?$/)
                  .required()
                  .description("a decimal in `unit` (default the item's base unit), more than zero"),
                unit: Joi.string().valid(...UNITS),
                variantId: uuid,
                modifierId: uuid,
              }),
            )
            .max(100)
            .required(),
        }).required(),
        response: recipeOut,
      },
      handler: async (_ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        await setRecipe(em(), p, input.body.lines);
        return presentRecipe(em(), p);
      },
    }),
  ];
}
