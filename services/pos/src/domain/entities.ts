/**
 * Every table of the POS (schema `pos`), each defined in its area's file (`<area>-entities.ts`) and
 * listed here once: the ORM, the migrations' snapshot and the tests read this array.
 */
import { inventoryEntities } from './inventory-entities.ts';
import { floorEntities } from './floor-entities.ts';
import { menuEntities } from './menu-entities.ts';
import { recipeEntities } from './recipe-entities.ts';
import { orderEntities } from './order-entities.ts';
import { kitchenEntities } from './kitchen-entities.ts';
import { orderPaymentEntities } from './order-payments-entities.ts';
import { closureEntities } from '../closure/entities.ts';
import { printingEntities } from '../printing/entities.ts';

export const entities = [
  ...menuEntities,
  ...floorEntities,
  ...recipeEntities,
  ...inventoryEntities,
  ...orderEntities,
  ...kitchenEntities,
  ...orderPaymentEntities,
  ...closureEntities,
  ...printingEntities,
];
