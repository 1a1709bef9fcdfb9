/** What the inventory routes answer (the shapes of domain/inventory*.ts's presenters). */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import { COUNT_STATUSES, MOVEMENT_KINDS } from '../domain/inventory-entities.ts';
import { UNITS } from '../domain/inventory-units.ts';
import { iso, nullable } from './common.ts';

/** Signed minor units as a decimal string (a movement out is negative). */
const minor = Joi.string()
  .pattern(/^-?\d+$/)
  .description('minor units as a decimal string');
/** A quantity in the item's base unit as a decimal string (up to 3 decimals). */
const quantity = Joi.string()
  .pattern(/^-?\d+(\.\d{1,3})?$/)
  .description('decimal, in the base unit');
const unit = Joi.string().valid(...UNITS);

export const itemOut = Joi.object({
  id: uuid.required(),
  name: Joi.string().required(),
  baseUnit: unit.required(),
  currency: Joi.string().required(),
  lowStockThreshold: quantity.required(),
  active: Joi.boolean().required(),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const stockOut = Joi.object({
  itemId: uuid.required(),
  branchId: uuid.required(),
  unit: unit.required(),
  quantity: quantity.required(),
  value: minor.required(),
  avgCost: minor.required().description('minor units per base unit'),
  currency: Joi.string().required(),
  lowStock: Joi.boolean().required(),
  updatedAt: iso.required(),
});

export const movementOut = Joi.object({
  id: uuid.required(),
  itemId: uuid.required(),
  branchId: uuid.required(),
  kind: Joi.string()
    .valid(...MOVEMENT_KINDS)
    .required(),
  unit: unit.required(),
  quantity: quantity.required().description('signed: + in, − out'),
  value: minor.required(),
  currency: Joi.string().required(),
  entered: nullable(Joi.object({ quantity: Joi.string().required(), unit: unit.required() })),
  unitCost: nullable(minor),
  balanceQuantity: quantity.required(),
  balanceValue: minor.required(),
  avgCost: minor.required(),
  transferId: nullable(uuid),
  countId: nullable(uuid),
  reference: nullable(Joi.string()),
  note: nullable(Joi.string()),
  createdAt: iso.required(),
  createdBy: nullable(uuid),
});

export const movedOut = movementOut.keys({ lowStock: Joi.boolean().required() });

export const transferOut = Joi.object({
  id: uuid.required(),
  itemId: uuid.required(),
  fromBranchId: uuid.required(),
  toBranchId: uuid.required(),
  unit: unit.required(),
  quantity: quantity.required(),
  value: minor.required(),
  currency: Joi.string().required(),
  note: nullable(Joi.string()),
  movements: Joi.array().items(movementOut).length(2).required(),
  createdAt: iso.required(),
});

export const alertOut = Joi.object({
  id: uuid.required(),
  itemId: uuid.required(),
  itemName: Joi.string().required(),
  branchId: uuid.required(),
  movementId: uuid.required(),
  unit: unit.required(),
  quantity: quantity.required(),
  threshold: quantity.required(),
  createdAt: iso.required(),
  deliveredAt: nullable(iso),
});

export const settingsOut = Joi.object({ allowNegativeStock: Joi.boolean().required() });

export const countOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  status: Joi.string()
    .valid(...COUNT_STATUSES)
    .required(),
  note: nullable(Joi.string()),
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: uuid.required(),
        itemName: Joi.string().required(),
        unit: unit.required(),
        counted: quantity.required(),
        expected: nullable(quantity),
        difference: nullable(quantity),
        movementId: nullable(uuid),
      }),
    )
    .required(),
  postedAt: nullable(iso),
  postedBy: nullable(uuid),
  createdAt: iso.required(),
  createdBy: nullable(uuid),
});
