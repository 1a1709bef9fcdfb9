/** What the menu routes answer (the shapes of domain/menu.ts's and domain/recipes.ts's presenters). */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import { iso } from './common.ts';

const minor = Joi.string().pattern(/^\d+$/).description('minor units as a decimal string');
const hhmm = Joi.string().pattern(/^\d{2}:\d{2}$/);

export const categoryOut = Joi.object({
  id: uuid.required(),
  name: Joi.string().required(),
  description: Joi.string().allow('').required(),
  position: Joi.number().integer().required(),
  active: Joi.boolean().required(),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

const imageOut = Joi.object({
  id: uuid.required(),
  contentType: Joi.string().required(),
  size: Joi.number().integer().required(),
});
const windowOut = Joi.object({
  weekday: Joi.number().integer().min(1).max(7).required(),
  startsAt: hhmm.required(),
  endsAt: hhmm.required(),
});
const optionOut = {
  id: uuid.required(),
  name: Joi.string().required(),
  priceDelta: minor.required(),
  position: Joi.number().integer().required(),
  active: Joi.boolean().required(),
};

export const productOut = Joi.object({
  id: uuid.required(),
  categoryId: uuid.required(),
  name: Joi.string().required(),
  description: Joi.string().allow('').required(),
  position: Joi.number().integer().required(),
  active: Joi.boolean().required(),
  variants: Joi.array().items(Joi.object(optionOut)).required(),
  modifierGroups: Joi.array()
    .items(
      Joi.object({
        id: uuid.required(),
        name: Joi.string().required(),
        minChoices: Joi.number().integer().required(),
        maxChoices: Joi.number().integer().required(),
        position: Joi.number().integer().required(),
        modifiers: Joi.array().items(Joi.object(optionOut)).required(),
      }),
    )
    .required(),
  images: Joi.array().items(imageOut).required(),
  availability: Joi.array().items(windowOut).required(),
  prices: Joi.array()
    .items(
      Joi.object({
        branchId: uuid.required(),
        price: minor.required(),
        currency: Joi.string().required(),
        outOfStock: Joi.boolean().required(),
      }),
    )
    .required()
    .description("the branches the caller's grant covers"),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const branchProductOut = Joi.object({
  productId: uuid.required(),
  branchId: uuid.required(),
  price: minor.required(),
  currency: Joi.string().required(),
  outOfStock: Joi.boolean().required(),
  updatedAt: iso.required(),
});

export const branchSettingsOut = Joi.object({
  branchId: uuid.required(),
  timeZone: Joi.string().required(),
  updatedAt: iso.required(),
});

export const branchMenuOut = Joi.object({
  branchId: uuid.required(),
  timeZone: Joi.string().required(),
  at: iso.required(),
  localTime: Joi.string().required().description("the branch's wall clock, yyyy-MM-ddTHH:mm"),
  categories: Joi.array()
    .items(
      Joi.object({
        id: uuid.required(),
        name: Joi.string().required(),
        description: Joi.string().allow('').required(),
        products: Joi.array()
          .items(
            Joi.object({
              id: uuid.required(),
              name: Joi.string().required(),
              description: Joi.string().allow('').required(),
              price: minor.required(),
              currency: Joi.string().required(),
              outOfStock: Joi.boolean().required(),
              available: Joi.boolean().required().description('within its availability windows now'),
              orderable: Joi.boolean().required().description('available and not out of stock'),
              variants: Joi.array()
                .items(
                  Joi.object({ id: uuid.required(), name: Joi.string().required(), price: minor.required() }),
                )
                .required(),
              modifierGroups: Joi.array()
                .items(
                  Joi.object({
                    id: uuid.required(),
                    name: Joi.string().required(),
                    minChoices: Joi.number().integer().required(),
                    maxChoices: Joi.number().integer().required(),
                    modifiers: Joi.array()
                      .items(
                        Joi.object({
                          id: uuid.required(),
                          name: Joi.string().required(),
                          priceDelta: minor.required(),
                        }),
                      )
                      .required(),
                  }),
                )
                .required(),
              images: Joi.array().items(imageOut).required(),
            }),
          )
          .required(),
      }),
    )
    .required(),
});

export const recipeOut = Joi.object({
  productId: uuid.required(),
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: uuid.required(),
        itemName: Joi.string().required(),
        variantId: uuid.allow(null).required(),
        modifierId: uuid.allow(null).required(),
        quantity: Joi.string().required().description("a decimal in the item's base unit"),
        unit: Joi.string().required(),
      }),
    )
    .required(),
});
