/**
 * Kitchen routing: a branch's stations, each category's station in the branch, the tickets an
 * order's send (or a void after it) creates — one per station, which is also the print job row of
 * issue 18's print process (`print_status` `pending`) — and the kitchen screen's bumps.
 *
 * - `routeToStations(em, input)` runs **inside the orders part's transaction** (it flushes, never
 *   commits): every line goes to its category's active station in the branch, else to the branch's
 *   default station, else the whole call is refused (422 NO_KITCHEN_STATION, one error item per
 *   line, nothing written). A line already on one of the order's tickets is not sent again (a
 *   retried send creates nothing). `kind: 'cancel'` (a void after sending) writes a cancel ticket
 *   for each station that received the voided lines and marks their items `cancelled`.
 * - **Bumps** (`bump`) move items forward only (`queued → preparing → ready`; a jump to `ready`
 *   passes through `preparing`): a bump that moves nothing is 409 INVALID_STATE_TRANSITION. A
 *   ticket's status is the least advanced of its live (not cancelled) items; it is `cancelled`
 *   when they all are. Every bump locks **all the order's tickets** (id order), so two stations
 *   bumping the order's last items at once still see each other: exactly one of them finds the
 *   order ready and reports its progress (`preparing` at the order's first bump, `ready` when every
 *   live item of its order tickets is) to the `onProgress` hook, in the same transaction.
 * - **Events** go to the station's room `tenant:<t>:kitchen:<branch>:<station>` after the commit,
 *   best effort (`announce`): `kitchen:ticket_created`, `kitchen:item_bumped`, `kitchen:ticket_ready`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import {
  DomainError,
  isUniqueViolation,
  notFound,
  withEm,
  type Logger,
  type Orm,
  type Redis,
} from '@faena/platform';
import { publishRealtime, rooms } from '@faena/notifications/realtime';
import { Category } from './menu-entities.ts';
import {
  CategoryStation,
  KitchenTicket,
  KitchenTicketItem,
  Station,
  type KitchenStatus,
  type StationKind,
  type StationPaperWidth,
} from './kitchen-entities.ts';
import { observeTicketReady } from './kitchen-metrics.ts';
import { startPrinting } from '../printing/start.ts';

// ---------------------------------------------------------------------------------------------
// Presenters

export const presentStation = (s: Station, mappings: CategoryStation[]) => ({
  id: s.id,
  branchId: s.branchId,
  name: s.name,
  kind: s.kind,
  printerAddress: s.printerAddress ?? null,
  paperWidth: s.paperWidth,
  printerAnswersStatus: s.printerAnswersStatus,
  isDefault: s.isDefault,
  active: s.active,
  categoryIds: mappings.filter((m) => m.stationId === s.id).map((m) => m.categoryId),
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

export const presentItem = (i: KitchenTicketItem) => ({
  id: i.id,
  lineId: i.lineId,
  name: i.name,
  quantity: i.quantity,
  modifiers: i.modifiers,
  notes: i.notes ?? null,
  status: i.status,
  preparingAt: i.preparingAt?.toISOString() ?? null,
  readyAt: i.readyAt?.toISOString() ?? null,
});

export const presentTicket = (t: KitchenTicket, items: KitchenTicketItem[]) => ({
  id: t.id,
  branchId: t.branchId,
  stationId: t.stationId,
  orderId: t.orderId,
  orderNumber: t.orderNumber,
  tableLabel: t.tableLabel ?? null,
  kind: t.kind,
  status: t.status,
  printStatus: t.printStatus,
  items: items
    .filter((i) => i.ticketId === t.id)
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map(presentItem),
  readyAt: t.readyAt?.toISOString() ?? null,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

export const mappingsOf = (em: EntityManager, stations: Station[]) =>
  stations.length
    ? em.find(CategoryStation, { stationId: { $in: stations.map((s) => s.id) } }, { orderBy: { id: 'asc' } })
    : Promise.resolve([]);

export const itemsOf = (em: EntityManager, tickets: KitchenTicket[]) =>
  tickets.length
    ? em.find(KitchenTicketItem, { ticketId: { $in: tickets.map((t) => t.id) } }, { orderBy: { id: 'asc' } })
    : Promise.resolve([]);

// ---------------------------------------------------------------------------------------------
// Stations

export interface StationInput {
  branchId: string;
  name: string;
  kind: StationKind;
  /** `host:port` (validated by the route; never connected to here). */
  printerAddress?: string | null;
  paperWidth?: StationPaperWidth;
  printerAnswersStatus?: boolean;
  isDefault?: boolean;
  active?: boolean;
}

/** A printing station names its printer; a screen names none (the CHECK `stations_printer_check`). */
function assertPrinter(s: { kind: StationKind; printerAddress?: string | null | undefined }): void {
  if (s.kind !== 'screen' && !s.printerAddress)
    throw new DomainError(
      'PRINTER_ADDRESS_REQUIRED',
      'A printing station needs its printer address (host:port)',
      {
        field: 'body.printerAddress',
      },
    );
  if (s.kind === 'screen' && s.printerAddress)
    throw new DomainError('PRINTER_ADDRESS_NOT_USED', 'A screen station has no printer address', {
      field: 'body.printerAddress',
    });
}

/** Writes a station, making it the branch's only default when it is one (in one transaction). */
async function saveStation(em: EntityManager, s: Station): Promise<Station> {
  if (!s.active) s.isDefault = false;
  try {
    await em.transactional(async (tx) => {
      if (s.isDefault)
        await tx.nativeUpdate(
          Station,
          { branchId: s.branchId, isDefault: true, id: { $ne: s.id } },
          { isDefault: false },
        );
      await tx.flush();
    });
  } catch (err) {
    if (isUniqueViolation(err, 'stations_name_unique'))
      throw new DomainError('ALREADY_EXISTS', 'A station already exists with that name in this branch', {
        field: 'body.name',
      });
    if (isUniqueViolation(err, 'stations_default_unique'))
      throw new DomainError('CONFLICT', 'Another default station was set at the same time; try again', {
        field: 'body.isDefault',
      });
    throw err;
  }
  return s;
}

export async function createStation(em: EntityManager, input: StationInput): Promise<Station> {
  assertPrinter(input);
  const s = em.create(Station, { ...input, printerAddress: input.printerAddress ?? null });
  return saveStation(em, s);
}

export async function updateStation(
  em: EntityManager,
  s: Station,
  input: Partial<Omit<StationInput, 'branchId'>>,
): Promise<Station> {
  const next = { kind: input.kind ?? s.kind, printerAddress: input.printerAddress ?? null };
  if (input.printerAddress === undefined)
    next.printerAddress = input.kind === 'screen' ? null : (s.printerAddress ?? null);
  assertPrinter(next);
  em.assign(s, { ...input, printerAddress: next.printerAddress });
  return saveStation(em, s);
}

export async function loadStation(em: EntityManager, id: string): Promise<Station> {
  const s = await em.findOne(Station, { id });
  if (!s) throw notFound('Station');
  return s;
}

/**
 * The categories this station receives in its branch, exactly `categoryIds` (repeats count once):
 * a category routed to another station of the branch moves here; one no longer listed goes to the
 * branch's default again. Another business's (or an unknown) category is 422 UNKNOWN_REFERENCE.
 */
export async function setStationCategories(
  em: EntityManager,
  s: Station,
  categoryIds: string[],
): Promise<CategoryStation[]> {
  const wanted = [...new Set(categoryIds)];
  const known = wanted.length ? await em.find(Category, { id: { $in: wanted } }) : [];
  const missing = wanted.filter((id) => !known.some((c) => c.id === id));
  if (missing.length)
    throw new DomainError('UNKNOWN_REFERENCE', 'No such category in this business', {
      items: missing.map((id) => ({
        code: 'UNKNOWN_REFERENCE' as const,
        message: 'No such category in this business',
        field: `body.categoryIds.${categoryIds.indexOf(id)}`,
      })),
    });
  return em.transactional(async (tx) => {
    await tx.nativeDelete(CategoryStation, {
      $or: [
        { stationId: s.id, categoryId: { $nin: wanted } },
        { branchId: s.branchId, categoryId: { $in: wanted }, stationId: { $ne: s.id } },
      ],
    });
    const have = await tx.find(CategoryStation, { stationId: s.id }, { refresh: true });
    for (const categoryId of wanted)
      if (!have.some((m) => m.categoryId === categoryId))
        tx.create(CategoryStation, { branchId: s.branchId, categoryId, stationId: s.id });
    await tx.flush();
    return tx.find(CategoryStation, { stationId: s.id }, { orderBy: { id: 'asc' }, refresh: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Routing an order's lines

export interface KitchenRouteLine {
  /** The order line's id. */
  lineId: string;
  /** The product's category: it decides the station. */
  categoryId: string;
  /** What the cook reads ("Hamburguesa clásica (Grande)"). */
  name: string;
  /** 1-999 units. */
  quantity: number;
  /** Modifier names, as printed. */
  modifiers: string[];
  notes: string | null;
}

export interface KitchenRouteInput {
  orderId: string;
  branchId: string;
  orderNumber: string;
  tableLabel: string | null;
  kind: 'order' | 'cancel';
  lines: KitchenRouteLine[];
}

export interface KitchenRouted {
  /** The tickets this call wrote (none for an empty or already-sent call). */
  tickets: KitchenTicket[];
  items: KitchenTicketItem[];
  /** Tickets whose status changed because a cancel voided their items (not new). */
  changed: KitchenTicket[];
  /**
   * A cancel that leaves every live item of the order ready reports `['ready']` (the last line the
   * kitchen was still preparing was voided): the orders part moves the order on, like a bump's.
   */
  progress: BumpStatus[];
}

const RANK: Record<KitchenStatus, number> = { queued: 0, preparing: 1, ready: 2, cancelled: -1 };
const rank = (s: string): number => RANK[s as KitchenStatus];

/** A ticket's status from its items: the least advanced live one; `cancelled` when none is live. */
function settle(t: KitchenTicket, items: KitchenTicketItem[], now: Date): void {
  const live = items.filter((i) => i.ticketId === t.id && i.status !== 'cancelled');
  const status: KitchenStatus = live.length
    ? live.reduce<KitchenStatus>((least, i) => (rank(i.status) < rank(least) ? i.status : least), 'ready')
    : 'cancelled';
  if (status === t.status) return;
  t.status = status;
  if (status === 'ready') t.readyAt = now;
}

/** The order's tickets, locked for this transaction in id order (bumps and voids queue per order). */
const lockOrder = (tx: EntityManager, orderId: string) =>
  tx.find(
    KitchenTicket,
    { orderId },
    { orderBy: { id: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );

function newTicket(tx: EntityManager, input: KitchenRouteInput, station: Station): KitchenTicket {
  return tx.create(KitchenTicket, {
    branchId: input.branchId,
    stationId: station.id,
    orderId: input.orderId,
    orderNumber: input.orderNumber,
    tableLabel: input.tableLabel,
    kind: input.kind,
    status: 'queued',
    printStatus: station.kind === 'screen' ? 'none' : 'pending',
    printerAddress: station.kind === 'screen' ? null : (station.printerAddress ?? null),
    printedAt: null,
    readyAt: null,
  });
}

const itemOf = (
  tx: EntityManager,
  ticket: KitchenTicket,
  line: KitchenRouteLine,
  status: KitchenStatus = 'queued',
) =>
  tx.create(KitchenTicketItem, {
    ticketId: ticket.id,
    lineId: line.lineId,
    name: line.name,
    quantity: line.quantity,
    modifiers: line.modifiers,
    notes: line.notes,
    status,
    preparingAt: null,
    readyAt: null,
  });

/**
 * One kitchen ticket per station for an order's sent lines (`kind: 'order'`) or voided ones
 * (`kind: 'cancel'`), inside the caller's transaction. See the file's comment for the rules.
 */
export async function routeToStations(em: EntityManager, input: KitchenRouteInput): Promise<KitchenRouted> {
  return em.transactional(async (tx) => {
    const routed: KitchenRouted = { tickets: [], items: [], changed: [], progress: [] };
    const existing = await lockOrder(tx, input.orderId);
    const sent = await itemsOf(
      tx,
      existing.filter((t) => t.kind === 'order'),
    );
    const byStation = new Map<string, { station: Station; lines: KitchenRouteLine[] }>();
    const stations = await tx.find(Station, { branchId: input.branchId });
    const stationOf = (id: string) => stations.find((s) => s.id === id);

    if (input.kind === 'order') {
      const fresh = input.lines.filter((l) => !sent.some((i) => i.lineId === l.lineId));
      const categoryIds = [...new Set(fresh.map((l) => l.categoryId))];
      const mappings = categoryIds.length
        ? await tx.find(CategoryStation, { branchId: input.branchId, categoryId: { $in: categoryIds } })
        : [];
      const fallback = stations.find((s) => s.isDefault && s.active);
      const unrouted: number[] = [];
      for (const line of fresh) {
        const mapped = mappings.find((m) => m.categoryId === line.categoryId);
        const mappedStation = mapped ? stationOf(mapped.stationId) : undefined;
        const station = mappedStation?.active ? mappedStation : fallback;
        if (!station) {
          unrouted.push(input.lines.indexOf(line));
          continue;
        }
        const group = byStation.get(station.id) ?? { station, lines: [] };
        group.lines.push(line);
        byStation.set(station.id, group);
      }
      if (unrouted.length)
        throw new DomainError('NO_KITCHEN_STATION', "The branch has no station for these lines' categories", {
          items: unrouted.map((n) => ({
            code: 'NO_KITCHEN_STATION' as const,
            message: 'No station of the branch takes this category, and the branch has no default station',
            field: `lines.${n}.categoryId`,
          })),
        });
    } else {
      const now = new Date();
      const before = progressOf(existing, sent);
      for (const line of input.lines) {
        const original = sent.find((i) => i.lineId === line.lineId);
        // Never sent, or voided already: nothing (more) to tell the kitchen.
        if (!original || original.status === 'cancelled') continue;
        const ticket = existing.find((t) => t.id === original.ticketId)!;
        const station = stationOf(ticket.stationId)!;
        const group = byStation.get(station.id) ?? { station, lines: [] };
        group.lines.push(line);
        byStation.set(station.id, group);
        original.status = 'cancelled';
        const was = ticket.status;
        settle(ticket, sent, now);
        if (ticket.status !== was && !routed.changed.includes(ticket)) routed.changed.push(ticket);
      }
      if (!before.ready && progressOf(existing, sent).ready) routed.progress.push('ready');
    }

    for (const { station, lines } of byStation.values()) {
      const ticket = newTicket(tx, input, station);
      routed.tickets.push(ticket);
      for (const line of lines) routed.items.push(itemOf(tx, ticket, line));
    }
    await tx.flush();
    return routed;
  });
}

// ---------------------------------------------------------------------------------------------
// The kitchen screen's bumps

export type BumpStatus = 'preparing' | 'ready';
export type OrderProgress = (em: EntityManager, orderId: string, status: BumpStatus) => Promise<void>;

export interface Bumped {
  ticket: KitchenTicket;
  items: KitchenTicketItem[];
  /** The items this bump moved. */
  moved: KitchenTicketItem[];
  /** The ticket became ready with this bump. */
  ticketReady: boolean;
  /** Its station's kind when it became ready (the ticket-age metric's label), else null. */
  readyStationKind: StationKind | null;
  /** What the order's progress became with this bump (reported to `onProgress`). */
  progress: BumpStatus[];
}

/** The ticket an item is on (404 for another business's, or an unknown, item). */
export async function loadTicketOfItem(em: EntityManager, itemId: string): Promise<KitchenTicket> {
  const item = await em.findOne(KitchenTicketItem, { id: itemId });
  const ticket = item && (await em.findOne(KitchenTicket, { id: item.ticketId }));
  if (!ticket) throw notFound('Kitchen item');
  return ticket;
}

export async function loadTicket(em: EntityManager, id: string): Promise<KitchenTicket> {
  const t = await em.findOne(KitchenTicket, { id });
  if (!t) throw notFound('Kitchen ticket');
  return t;
}

/** Whether an order's kitchen work has started / is all ready (its order tickets' live items). */
function progressOf(tickets: KitchenTicket[], items: KitchenTicketItem[]) {
  const orderTickets = new Set(tickets.filter((t) => t.kind === 'order').map((t) => t.id));
  const live = items.filter((i) => orderTickets.has(i.ticketId) && i.status !== 'cancelled');
  return {
    started: live.some((i) => i.status !== 'queued'),
    ready: live.length > 0 && live.every((i) => i.status === 'ready'),
  };
}

/**
 * Moves a ticket's items (all of them, or the one `itemId`) forward to `status`, under the lock of
 * all the order's tickets; reports the order's progress to `onProgress` in the same transaction.
 */
export async function bump(
  em: EntityManager,
  target: { ticketId: string; itemId?: string },
  status: BumpStatus,
  onProgress?: OrderProgress,
): Promise<Bumped> {
  return em.transactional(async (tx) => {
    const first = await loadTicket(tx, target.ticketId);
    const tickets = await lockOrder(tx, first.orderId);
    const ticket = tickets.find((t) => t.id === target.ticketId)!;
    const items = await tx.find(
      KitchenTicketItem,
      { ticketId: { $in: tickets.map((t) => t.id) } },
      { orderBy: { id: 'asc' }, refresh: true },
    );
    const before = progressOf(tickets, items);
    const candidates = items.filter(
      (i) => i.ticketId === ticket.id && (!target.itemId || i.id === target.itemId),
    );
    if (target.itemId && !candidates.length) throw notFound('Kitchen item');
    const moved = candidates.filter((i) => i.status !== 'cancelled' && rank(i.status) < rank(status));
    if (!moved.length)
      throw new DomainError(
        'INVALID_STATE_TRANSITION',
        target.itemId
          ? `The item is ${candidates[0]!.status} already`
          : `Nothing on the ticket moves to ${status}`,
        { field: 'body.status' },
      );
    const now = new Date();
    for (const i of moved) {
      i.status = status;
      i.preparingAt ??= now;
      if (status === 'ready') i.readyAt = now;
    }
    const wasReady = ticket.status === 'ready';
    settle(ticket, items, now);
    const after = progressOf(tickets, items);
    const progress: BumpStatus[] = [];
    if (!before.started && after.started) progress.push('preparing');
    if (!before.ready && after.ready) progress.push('ready');
    await tx.flush();
    if (onProgress) for (const p of progress) await onProgress(tx, ticket.orderId, p);
    const ticketReady = !wasReady && ticket.status === 'ready';
    return {
      ticket,
      items: items.filter((i) => i.ticketId === ticket.id),
      moved,
      ticketReady,
      readyStationKind: ticketReady ? (await tx.findOneOrFail(Station, { id: ticket.stationId })).kind : null,
      progress,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Events, after the commit

export interface KitchenEventDeps {
  redis: Redis;
  logger: Logger;
  /** With these, announcing tickets also starts their print processes (printing/start.ts). */
  orm?: Orm;
  temporal?: Client;
  printTaskQueue?: string;
  /** Tests shorten the kitchen ticket's print expiry. */
  printExpiryMs?: number;
}

async function publishAll(
  deps: KitchenEventDeps,
  events: Array<{ ticket: KitchenTicket; event: string; data: Record<string, unknown> }>,
): Promise<void> {
  for (const { ticket, event, data } of events)
    try {
      await publishRealtime(deps.redis, {
        tenantId: ticket.tenantId,
        room: rooms.kitchen(ticket.tenantId, ticket.branchId, ticket.stationId),
        event,
        data,
      });
    } catch (err) {
      deps.logger.warn('kitchen event not published', { ticketId: ticket.id, event, error: String(err) });
    }
}

/**
 * Tells each station's room about the tickets `routeToStations` wrote: call it after the
 * transaction that routed them committed (best effort: never throws; the rows stand either way).
 */
export const announceKitchen = async (deps: KitchenEventDeps, routed: KitchenRouted): Promise<void> => {
  await publishAll(
    deps,
    routed.tickets.map((ticket) => ({
      ticket,
      event: 'kitchen:ticket_created',
      data: presentTicket(ticket, routed.items),
    })),
  );
  // The printing tickets' processes (best effort too: the print sweeper starts what this misses).
  const { orm, temporal, printTaskQueue } = deps;
  if (orm && temporal && printTaskQueue)
    await withEm(orm, (em) =>
      startPrinting(
        {
          temporal,
          printTaskQueue,
          logger: deps.logger,
          ...(deps.printExpiryMs !== undefined && { printExpiryMs: deps.printExpiryMs }),
        },
        em as unknown as EntityManager,
        routed.tickets,
      ),
    ).catch((err: unknown) => deps.logger.warn('print processes not started', { error: String(err) }));
};

/**
 * Tells the station's room what a bump moved (and that the ticket is ready), after the commit; a
 * ticket that became ready is measured then (kitchen-metrics.ts: the ticket-age SLO).
 */
export const announceBump = (deps: KitchenEventDeps, b: Bumped): Promise<void> => {
  if (b.readyStationKind) observeTicketReady(b.ticket, b.readyStationKind);
  return publishAll(deps, [
    ...b.moved.map((i) => ({
      ticket: b.ticket,
      event: 'kitchen:item_bumped',
      data: {
        ticketId: b.ticket.id,
        orderId: b.ticket.orderId,
        itemId: i.id,
        lineId: i.lineId,
        status: i.status,
      },
    })),
    ...(b.ticketReady
      ? [
          {
            ticket: b.ticket,
            event: 'kitchen:ticket_ready',
            data: { ticketId: b.ticket.id, orderId: b.ticket.orderId, orderNumber: b.ticket.orderNumber },
          },
        ]
      : []),
  ]);
};
