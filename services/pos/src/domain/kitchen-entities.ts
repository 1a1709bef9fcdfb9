/**
 * Kitchen routing (`Migration20261208180000_kitchen`): a branch's **stations** (the grill, the
 * bar, desserts: a printer, a kitchen screen or both), which station each menu category goes to
 * in that branch (`category_stations`), and the **kitchen tickets** sending an order creates — one
 * per station, with its items. A ticket row is also the print job issue 18's print process
 * consumes (`print_status` `pending` while a printing station has not printed it).
 *
 * References between pos rows are plain uuid columns here; the database holds them with composite
 * `(tenant_id, x_id)` keys (and `(tenant_id, station_id, branch_id)` so a mapping or a ticket stays
 * in its station's branch) and the rules below as CHECKs.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';

export const STATION_KINDS = ['printer', 'screen', 'both'] as const;
export type StationKind = (typeof STATION_KINDS)[number];

/** The paper widths a kitchen printer's profile may have (render.ts sets the columns from it). */
export const STATION_PAPER_WIDTHS = [58, 80] as const;
export type StationPaperWidth = (typeof STATION_PAPER_WIDTHS)[number];

/**
 * A station of a branch. CHECK: a `printer` or `both` station has a printer address (`host:port`,
 * stored for the print process, never connected to here); a `screen` has none. Its printer's
 * profile: the paper width (58 or 80 mm, CHECK `stations_paper_width_check`) and whether the printer
 * answers the real-time status request (many 58 mm printers do not: then none is asked). At most one
 * default per branch (`stations_default_unique`, partial), and only an active station is default.
 */
export const Station = defineEntity({
  name: 'Station',
  tableName: 'stations',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid().index(),
    /** Unique per branch, case-insensitive (`stations_name_unique`). */
    name: p.string().length(60),
    kind: p.enum(STATION_KINDS),
    /** `host:port` of the station's network printer (ESC/POS, raw TCP); null for a screen. */
    printerAddress: p.string().length(300).nullable(),
    /** The printer's paper, in mm: 58 (32 columns) or 80 (48). */
    paperWidth: p.smallint().default(80),
    /** The printer answers DLE EOT (paper out, cover open); false: it is not asked. */
    printerAnswersStatus: p.boolean().default(true),
    /** Where a category without a station of its own goes in this branch. */
    isDefault: p.boolean().default(false),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type Station = InferEntity<typeof Station>;

/** A category's station in a branch (one per category and branch). */
export const CategoryStation = defineEntity({
  name: 'CategoryStation',
  tableName: 'category_stations',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid(),
    categoryId: p.uuid().index(),
    stationId: p.uuid().index(),
    ...auditProperties,
  },
});
export type CategoryStation = InferEntity<typeof CategoryStation>;

export const TICKET_KINDS = ['order', 'cancel'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];
/** Kitchen progress of an item (and of its ticket: the least advanced of its live items). */
export const KITCHEN_STATUSES = ['queued', 'preparing', 'ready', 'cancelled'] as const;
export type KitchenStatus = (typeof KITCHEN_STATUSES)[number];
/** `pending` for the print process; `none` when the station is a screen only. */
export const PRINT_STATUSES = ['pending', 'printed', 'failed', 'none'] as const;
export type PrintStatus = (typeof PRINT_STATUSES)[number];

/**
 * What one station receives of one send (or of one void: `kind` `cancel`). What it prints is
 * copied onto it (order number, table) so the ticket reads the same whatever happens to the order.
 */
export const KitchenTicket = defineEntity({
  name: 'KitchenTicket',
  tableName: 'kitchen_tickets',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid(),
    stationId: p.uuid(),
    orderId: p.uuid().index(),
    orderNumber: p.string().length(40),
    tableLabel: p.string().length(60).nullable(),
    kind: p.enum(TICKET_KINDS),
    status: p.enum(KITCHEN_STATUSES).default('queued'),
    printStatus: p.enum(PRINT_STATUSES),
    /** The printer address when the ticket was made (the print process prints there). */
    printerAddress: p.string().length(300).nullable(),
    printedAt: p.datetime().columnType('timestamptz').nullable(),
    readyAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type KitchenTicket = InferEntity<typeof KitchenTicket>;

/** One order line on a ticket. */
export const KitchenTicketItem = defineEntity({
  name: 'KitchenTicketItem',
  tableName: 'kitchen_ticket_items',
  properties: {
    ...idProperty,
    ...tenantProperty,
    ticketId: p.uuid().index(),
    /** The order line it prepares (or, on a cancel ticket, the line voided). */
    lineId: p.uuid().index(),
    name: p.string().length(200),
    quantity: p.integer(),
    modifiers: p.array().columnType('text[]').default([]),
    notes: p.string().length(500).nullable(),
    status: p.enum(KITCHEN_STATUSES).default('queued'),
    preparingAt: p.datetime().columnType('timestamptz').nullable(),
    readyAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type KitchenTicketItem = InferEntity<typeof KitchenTicketItem>;

export const kitchenEntities = [Station, CategoryStation, KitchenTicket, KitchenTicketItem];
