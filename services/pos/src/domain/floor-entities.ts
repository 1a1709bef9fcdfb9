/**
 * Floors and tables of a branch (`Migration20261208120000_floors`). A table's `status` is stored
 * with a CHECK (`available | occupied | out_of_service`): `out_of_service` is set by a manager;
 * `occupied` will follow the table's open orders once orders exist (the orders part sets it in the
 * transaction that opens or closes a table's order) — until then only a manager's change moves it.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';

export const Floor = defineEntity({
  name: 'Floor',
  tableName: 'floors',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid().index(),
    /** Unique per branch, case-insensitive (Salón, Terraza). */
    name: p.string().length(60),
    position: p.integer().default(0),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type Floor = InferEntity<typeof Floor>;

export const TABLE_STATUSES = ['available', 'occupied', 'out_of_service'] as const;
export type TableStatus = (typeof TABLE_STATUSES)[number];

/** A table on a floor; `branchId` is the floor's (a composite key holds them together). */
export const DiningTable = defineEntity({
  name: 'DiningTable',
  tableName: 'dining_tables',
  properties: {
    ...idProperty,
    ...tenantProperty,
    floorId: p.uuid().index(),
    branchId: p.uuid().index(),
    /** Unique per branch, case-insensitive (what waiters call it: 12, T3, Barra 1). */
    name: p.string().length(40),
    seats: p.integer(),
    status: p.enum(TABLE_STATUSES).default('available'),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type DiningTable = InferEntity<typeof DiningTable>;

export const floorEntities = [Floor, DiningTable];
