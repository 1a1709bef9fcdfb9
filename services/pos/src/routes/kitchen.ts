import Joi from 'joi';
import type { Context } from 'koa';
import {
  assertMembers,
  branchFilter,
  coversBranch,
  defineRoute,
  findPage,
  notFound,
  paginationQuery,
  reply,
  uuid,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { PosDeps } from '../deps.ts';
import {
  KITCHEN_STATUSES,
  KitchenTicket,
  PRINT_STATUSES,
  STATION_KINDS,
  STATION_PAPER_WIDTHS,
  Station,
  TICKET_KINDS,
  type KitchenStatus,
  type TicketKind,
} from '../domain/kitchen-entities.ts';
import {
  announceBump,
  bump,
  createStation,
  itemsOf,
  loadStation,
  loadTicket,
  loadTicketOfItem,
  mappingsOf,
  presentStation,
  presentTicket,
  setStationCategories,
  updateStation,
  type BumpStatus,
  type StationInput,
} from '../domain/kitchen.ts';
import { announceOrders } from '../domain/order-events.ts';
import { Order } from '../domain/order-entities.ts';
import { kitchenProgress } from '../domain/orders.ts';
import { em, iso, nullable, params, text } from './common.ts';

/**
 * A printer's `host:port`: a host name (labels of letters, digits and hyphens) or an IPv4 address,
 * a port 1-65535. Kitchen printers live on the restaurant's own network, so private addresses are
 * what it names (no SSRF rule here: nothing connects to it from this service; issue 18's print
 * process does, from the branch's print agent).
 */
const PORT = '(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const PRINTER_ADDRESS = new RegExp(`^${LABEL}(?:\\.${LABEL})*:${PORT}$`);
const printerAddress = Joi.string()
  .max(253)
  .pattern(PRINTER_ADDRESS, 'host:port')
  .description('the network printer as host:port (a host name or IPv4 address; port 1-65535)');

const stationOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  name: Joi.string().required(),
  kind: Joi.string()
    .valid(...STATION_KINDS)
    .required(),
  printerAddress: nullable(Joi.string()),
  paperWidth: Joi.number()
    .valid(...STATION_PAPER_WIDTHS)
    .required(),
  printerAnswersStatus: Joi.boolean().required(),
  isDefault: Joi.boolean().required(),
  active: Joi.boolean().required(),
  categoryIds: Joi.array().items(uuid).required(),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});
const itemOut = Joi.object({
  id: uuid.required(),
  lineId: uuid.required(),
  name: Joi.string().required(),
  quantity: Joi.number().integer().required(),
  modifiers: Joi.array().items(Joi.string()).required(),
  notes: nullable(Joi.string()),
  status: Joi.string()
    .valid(...KITCHEN_STATUSES)
    .required(),
  preparingAt: nullable(iso),
  readyAt: nullable(iso),
});
const ticketOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  stationId: uuid.required(),
  orderId: uuid.required(),
  orderNumber: Joi.string().required(),
  tableLabel: nullable(Joi.string()),
  kind: Joi.string()
    .valid(...TICKET_KINDS)
    .required(),
  status: Joi.string()
    .valid(...KITCHEN_STATUSES)
    .required(),
  printStatus: Joi.string()
    .valid(...PRINT_STATUSES)
    .required(),
  items: Joi.array().items(itemOut).required(),
  readyAt: nullable(iso),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

const stationFields = {
  name: text(60),
  kind: Joi.string().valid(...STATION_KINDS),
  printerAddress: printerAddress.allow(null),
  paperWidth: Joi.number()
    .valid(...STATION_PAPER_WIDTHS)
    .description("the printer's paper in mm (58: 32 columns, 80: 48; default 80)"),
  printerAnswersStatus: Joi.boolean().description(
    'whether the printer answers the status request (paper out, cover open); default true',
  ),
  isDefault: Joi.boolean(),
  active: Joi.boolean(),
};
const bumpBody = Joi.object<{ status: BumpStatus }>({
  status: Joi.string().valid('preparing', 'ready').required(),
}).required();

/**
 * Kitchen stations and the kitchen screen. Stations are kept with `stations.manage` (managers)
 * and read with `kitchen.operate` (kitchen, managers), both in the station's branch; tickets are
 * listed and bumped with `kitchen.operate` in the ticket's branch (another branch's is 404).
 */
export function kitchenRoutes(deps: PosDeps): Route[] {
  const { guard } = deps;
  const stationIn = async (ctx: Context, permission: string, id: string) => {
    const s = await loadStation(em(), id);
    if (!coversBranch(ctx, permission, s.branchId)) throw notFound('Station');
    return s;
  };
  const withCategories = async (s: Station) => presentStation(s, await mappingsOf(em(), [s]));
  const ticketOf = (ctx: Context, t: KitchenTicket): KitchenTicket => {
    if (!coversBranch(ctx, 'kitchen.operate', t.branchId)) throw notFound('Kitchen ticket');
    return t;
  };
  const withItems = async (t: KitchenTicket) => presentTicket(t, await itemsOf(em(), [t]));
  const bumped = async (target: { ticketId: string; itemId?: string }, status: BumpStatus) => {
    // The order follows its kitchen (`sent → preparing → ready`) in the bump's transaction.
    const b = await bump(em(), target, status, kitchenProgress);
    await announceBump(deps, b);
    // The order moved with it (preparing, ready): its branch's room hears it too.
    if (b.progress.length)
      await announceOrders(deps, em(), [
        await em().findOneOrFail(Order, { id: b.ticket.orderId }, { refresh: true }),
      ]);
    return presentTicket(b.ticket, b.items);
  };

  return [
    defineRoute({
      method: 'post',
      path: '/stations',
      summary:
        'Add a kitchen station to a branch (printer, screen or both; a printer as host:port; 422 PRINTER_ADDRESS_REQUIRED / PRINTER_ADDRESS_NOT_USED)',
      tags: ['kitchen'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('stations.manage', { body: 'branchId' })],
      schemas: {
        body: Joi.object<StationInput>({
          branchId: uuid.required(),
          ...stationFields,
          name: stationFields.name.required(),
          kind: stationFields.kind.required(),
        }).required(),
        response: stationOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { branches: { 'body.branchId': input.body.branchId } });
        const s = await createStation(em(), input.body);
        return reply(await withCategories(s), {
          status: 201,
          headers: { Location: `${BASE_PATH}/stations/${s.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/stations',
      summary: "The kitchen stations of the caller's branches, with their categories, newest first",
      tags: ['kitchen'],
      auth: true,
      middleware: [guard.requirePermission('kitchen.operate', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string; active?: boolean }>({
          ...paginationQuery,
          branchId: uuid,
          active: Joi.boolean(),
        }),
        response: Joi.array().items(stationOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = { ...branchFilter(ctx, 'kitchen.operate') };
        if (q.branchId) where.$and = [{ branchId: q.branchId }];
        if (q.active !== undefined) where.active = q.active;
        const { items, meta } = await findPage(em(), Station, where, q);
        const mappings = await mappingsOf(em(), items);
        return reply(
          items.map((s) => presentStation(s, mappings)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/stations/:id',
      summary: 'One kitchen station with its categories',
      tags: ['kitchen'],
      auth: true,
      middleware: [guard.requirePermission('kitchen.operate', 'records')],
      schemas: { params, response: stationOut },
      handler: async (ctx, input) => withCategories(await stationIn(ctx, 'kitchen.operate', input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/stations/:id',
      summary: "Change a station (name, kind, printer, the branch's default, active)",
      tags: ['kitchen'],
      auth: true,
      middleware: [guard.requirePermission('stations.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<Partial<Omit<StationInput, 'branchId'>>>(stationFields).min(1).required(),
        response: stationOut,
      },
      handler: async (ctx, input) =>
        withCategories(
          await updateStation(em(), await stationIn(ctx, 'stations.manage', input.params.id), input.body),
        ),
    }),
    defineRoute({
      method: 'put',
      path: '/stations/:id/categories',
      summary:
        "The menu categories this station receives in its branch (a category on another station of the branch moves here; one left out goes to the branch's default)",
      tags: ['kitchen'],
      auth: true,
      middleware: [guard.requirePermission('stations.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<{ categoryIds: string[] }>({
          categoryIds: Joi.array().items(uuid).max(200).required(),
        }).required(),
        response: stationOut,
      },
      handler: async (ctx, input) => {
        const s = await stationIn(ctx, 'stations.manage', input.params.id);
        return presentStation(s, await setStationCategories(em(), s, input.body.categoryIds));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/stations/:id/tickets',
      summary: "A station's kitchen tickets (the kitchen screen), newest first; filter by status and kind",
      tags: ['kitchen'],
      auth: true,
      middleware: [guard.requirePermission('kitchen.operate', 'records')],
      schemas: {
        params,
        query: Joi.object<{ limit: number; cursor?: string; status?: KitchenStatus[]; kind?: TicketKind }>({
          ...paginationQuery,
          status: Joi.array()
            .items(Joi.string().valid(...KITCHEN_STATUSES))
            .single()
            .max(4),
          kind: Joi.string().valid(...TICKET_KINDS),
        }),
        response: Joi.array().items(ticketOut),
      },
      handler: async (ctx, input) => {
        const s = await stationIn(ctx, 'kitchen.operate', input.params.id);
        const q = input.query;
        const where: Record<string, unknown> = { stationId: s.id };
        if (q.status?.length) where.status = { $in: q.status };
        if (q.kind) where.kind = q.kind;
        const { items, meta } = await findPage(em(), KitchenTicket, where, q);
        const lines = await itemsOf(em(), items);
        return reply(
          items.map((t) => presentTicket(t, lines)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/kitchen/tickets/:id',
      summary: 'One kitchen ticket with its items',
      tags: ['kitchen'],
      auth: true,
      middleware: [guard.requirePermission('kitchen.operate', 'records')],
      schemas: { params, response: ticketOut },
      handler: async (ctx, input) => withItems(ticketOf(ctx, await loadTicket(em(), input.params.id))),
    }),
    defineRoute({
      method: 'post',
      path: '/kitchen/tickets/:id/bump',
      summary:
        "Bump every item of a ticket forward to preparing or ready (409 INVALID_STATE_TRANSITION when none moves); the order's progress follows",
      tags: ['kitchen'],
      auth: true,
      middleware: [guard.requirePermission('kitchen.operate', 'records')],
      schemas: { params, body: bumpBody, response: ticketOut },
      handler: async (ctx, input) => {
        const t = ticketOf(ctx, await loadTicket(em(), input.params.id));
        return bumped({ ticketId: t.id }, input.body.status);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/kitchen/ticket-items/:id/bump',
      summary:
        'Bump one item of a ticket forward to preparing or ready (409 INVALID_STATE_TRANSITION when it is there already); answers its ticket',
      tags: ['kitchen'],
      auth: true,
      middleware: [guard.requirePermission('kitchen.operate', 'records')],
      schemas: { params, body: bumpBody, response: ticketOut },
      handler: async (ctx, input) => {
        const t = ticketOf(ctx, await loadTicketOfItem(em(), input.params.id));
        return bumped({ ticketId: t.id, itemId: input.params.id }, input.body.status);
      },
    }),
  ];
}
