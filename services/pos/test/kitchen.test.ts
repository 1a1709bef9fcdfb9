import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, runWithContext } from '@faena/platform';
import { bearer } from '../../identity/test/harness.ts';
import {
  announceKitchen,
  bump,
  routeToStations,
  type BumpStatus,
  type KitchenRouteInput,
  type KitchenRouteLine,
} from '../src/domain/kitchen.ts';
import { addLine, createOrder, loadOrder, sendOrder } from '../src/domain/orders.ts';
import { OrderLine } from '../src/domain/order-entities.ts';
import { API, ok, restaurant, startPos, type PosHarness, type Restaurant } from './harness.ts';

jest.setTimeout(60_000);

let h: PosHarness;
let r: Restaurant;
let other: Restaurant;
let categoryId: string;
let productId: string;
beforeAll(async () => {
  h = await startPos();
  [r, other] = await Promise.all([restaurant(h), restaurant(h)]);
  // Orders need a branch that sells something.
  categoryId = ok<{ id: string }>(
    await send('post', r.manager.token, '/categories', { name: 'Carta' }),
    'category',
  ).id;
  productId = ok<{ id: string }>(
    await send('post', r.manager.token, '/products', { categoryId, name: 'Bife' }),
    'product',
  ).id;
  for (const branchId of [r.branchA, r.branchB])
    ok(
      await send('put', r.manager.token, `/branches/${branchId}/products/${productId}`, {
        price: 9900,
        currency: 'CLP',
      }),
      'price',
    );
}, 120_000);
afterAll(async () => {
  await h?.close();
});

interface Station {
  id: string;
  branchId: string;
  name: string;
  kind: string;
  printerAddress: string | null;
  isDefault: boolean;
  categoryIds: string[];
}
interface Item {
  id: string;
  lineId: string;
  name: string;
  quantity: number;
  modifiers: string[];
  notes: string | null;
  status: string;
}
interface Ticket {
  id: string;
  stationId: string;
  orderId: string;
  orderNumber: string;
  tableLabel: string | null;
  kind: string;
  status: string;
  printStatus: string;
  items: Item[];
}
interface Event {
  tenantId: string;
  room: string;
  event: string;
  data: Record<string, unknown>;
}

const send = (method: 'post' | 'patch' | 'put', token: string, path: string, body: object) =>
  h.agent[method](`${API}${path}`).set(bearer(token)).send(body);
const get = (token: string, path: string, query: Record<string, unknown> = {}) =>
  h.agent.get(`${API}${path}`).query(query).set(bearer(token));
const code = (res: { status: number; body: unknown }) => [
  res.status,
  (res.body as { errors: Array<{ code: string }> }).errors[0]!.code,
];

let seq = 0;
const category = async (who: Restaurant, name = `Cat ${++seq}`) =>
  ok<{ id: string }>(await send('post', who.manager.token, '/categories', { name }), 'category').id;
const station = async (branchId: string, body: object, who = r.manager.token) =>
  ok<Station>(await send('post', who, '/stations', { branchId, name: `St ${++seq}`, ...body }), 'station');
const mapTo = async (stationId: string, categoryIds: string[], who = r.manager.token) =>
  ok<Station>(await send('put', who, `/stations/${stationId}/categories`, { categoryIds }), 'categories');

/** Runs `fn` as the business's work in its own transaction (the orders' send does this). */
const inTx = <T>(tenantId: string, fn: (tx: EntityManager) => Promise<T>): Promise<T> =>
  runWithContext({ tenantId }, () =>
    h.orm.em.fork().transactional((tx) => fn(tx as unknown as EntityManager)),
  );
const line = (categoryId: string, name: string, extra: Partial<KitchenRouteLine> = {}): KitchenRouteLine => ({
  lineId: randomUUID(),
  categoryId,
  name,
  quantity: 1,
  modifiers: [],
  notes: null,
  ...extra,
});
/** A real order of the business (takeaway) in `branchId`: tickets reference it. */
const realOrder = (branchId: string) =>
  inTx(r.biz.tenantId, (tx) => createOrder(tx, { branchId, kind: 'takeaway' }));
const order = async (
  lines: KitchenRouteLine[],
  extra: Partial<KitchenRouteInput> = {},
): Promise<KitchenRouteInput> => {
  const o = await realOrder(extra.branchId ?? r.branchA);
  return {
    orderId: o.id,
    branchId: r.branchA,
    orderNumber: o.id.slice(-6).toUpperCase(),
    tableLabel: 'Mesa 4',
    kind: 'order',
    lines,
    ...extra,
  };
};
/** The order lines `input` names, as the orders part has them when it routes (ticket items reference them). */
const withLines = async (tx: EntityManager, input: KitchenRouteInput) => {
  const known = await tx.find(OrderLine, { id: { $in: input.lines.map((l) => l.lineId) } });
  input.lines.forEach((l, position) => {
    if (!known.some((k) => k.id === l.lineId))
      tx.create(OrderLine, {
        id: l.lineId,
        orderId: input.orderId,
        productId,
        name: l.name,
        quantity: l.quantity,
        unitPrice: 0n,
        position,
      });
  });
  await tx.flush();
};
const sendToKitchen = (input: KitchenRouteInput, tenantId = r.biz.tenantId) =>
  inTx(tenantId, async (tx) => {
    await withLines(tx, input);
    return routeToStations(tx, input);
  });
const refusal = async (p: Promise<unknown>): Promise<DomainError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};
const tickets = async (stationId: string, query: Record<string, unknown> = {}, who = r.kitchen.token) =>
  ok<Ticket[]>(await get(who, `/stations/${stationId}/tickets`, { limit: 100, ...query }), 'tickets');

/** The real-time events published since `from` (the gateway's intake stream in real Redis). */
const eventsSince = async (from: string): Promise<Event[]> =>
  (await h.redis.xrange('faena:realtime:intake', from, '+')).map(
    ([, fields]) => JSON.parse(fields[1]!) as Event,
  );
const kitchenRoom = (s: Station) => `tenant:${r.biz.tenantId}:kitchen:${s.branchId}:${s.id}`;

describe('kitchen stations', () => {
  it('a manager keeps a branch’s stations; printers need host:port; one default per branch', async () => {
    const grill = await station(r.branchA, {
      kind: 'printer',
      printerAddress: '192.168.1.40:9100',
      isDefault: true,
    });
    expect(grill).toMatchObject({ branchId: r.branchA, kind: 'printer', isDefault: true, categoryIds: [] });
    expect(
      code(
        await send('post', r.manager.token, '/stations', {
          branchId: r.branchA,
          name: 'X1',
          kind: 'printer',
        }),
      ),
    ).toEqual([422, 'PRINTER_ADDRESS_REQUIRED']);
    expect(
      code(
        await send('post', r.manager.token, '/stations', {
          branchId: r.branchA,
          name: 'X2',
          kind: 'screen',
          printerAddress: 'kds.local:9100',
        }),
      ),
    ).toEqual([422, 'PRINTER_ADDRESS_NOT_USED']);
    for (const bad of ['10.0.0.5', '10.0.0.5:0', 'printer:65536', 'http://x:80', 'a b:9100', '-x:9100'])
      expect(
        code(
          await send('post', r.manager.token, '/stations', {
            branchId: r.branchA,
            name: 'X3',
            kind: 'both',
            printerAddress: bad,
          }),
        ),
      ).toEqual([400, 'VALIDATION_FAILED']);
    expect(
      code(
        await send('post', r.manager.token, '/stations', {
          branchId: r.branchA,
          name: grill.name.toUpperCase(),
          kind: 'screen',
        }),
      ),
    ).toEqual([409, 'ALREADY_EXISTS']);

    // A second default takes over; the first is not default any more.
    const bar = await station(r.branchA, { kind: 'screen', isDefault: true });
    expect(bar.isDefault).toBe(true);
    expect(ok<Station>(await get(r.manager.token, `/stations/${grill.id}`), 'grill').isDefault).toBe(false);
    // Turning a printer into a screen drops its address; a screen becoming a printer needs one.
    expect(code(await send('patch', r.manager.token, `/stations/${bar.id}`, { kind: 'both' }))).toEqual([
      422,
      'PRINTER_ADDRESS_REQUIRED',
    ]);
    const both = ok<Station>(
      await send('patch', r.manager.token, `/stations/${bar.id}`, {
        kind: 'both',
        printerAddress: 'bar-printer.local:9100',
      }),
      'patch',
    );
    expect(both).toMatchObject({ kind: 'both', printerAddress: 'bar-printer.local:9100', isDefault: true });
    // Deactivating the default leaves the branch without one.
    expect(
      ok<Station>(await send('patch', r.manager.token, `/stations/${bar.id}`, { active: false }), 'off')
        .isDefault,
    ).toBe(false);
  });

  it('the kitchen reads its branch’s stations but keeps none; another branch’s and business’s are 404', async () => {
    const a = await station(r.branchA, { kind: 'screen' });
    const b = await station(r.branchB, { kind: 'screen' });
    const seen = ok<Station[]>(await get(r.kitchen.token, '/stations', { limit: 100 }), 'list');
    expect(seen.map((s) => s.id)).toContain(a.id);
    expect(seen.every((s) => s.branchId === r.branchA)).toBe(true);
    expect((await get(r.kitchen.token, `/stations/${b.id}`)).status).toBe(404);
    expect(
      code(
        await send('post', r.kitchen.token, '/stations', { branchId: r.branchA, name: 'K', kind: 'screen' }),
      ),
    ).toEqual([403, 'FORBIDDEN']);
    expect((await send('patch', r.kitchen.token, `/stations/${a.id}`, { name: 'K' })).status).toBe(403);
    // A manager of branch A keeps A's stations, not B's.
    expect(
      (await send('post', r.managerA.token, '/stations', { branchId: r.branchB, name: 'M', kind: 'screen' }))
        .status,
    ).toBe(403);
    expect((await send('patch', r.managerA.token, `/stations/${b.id}`, { name: 'M' })).status).toBe(404);
    expect((await send('patch', r.managerA.token, `/stations/${a.id}`, { name: `A ${++seq}` })).status).toBe(
      200,
    );
    // The waiter has no kitchen screen.
    expect((await get(r.waiter.token, '/stations')).status).toBe(403);
    // Another business sees nothing of it.
    expect((await get(other.manager.token, `/stations/${a.id}`)).status).toBe(404);
    expect((await send('patch', other.manager.token, `/stations/${a.id}`, { name: 'Z' })).status).toBe(404);
    expect(
      (await send('put', other.manager.token, `/stations/${a.id}/categories`, { categoryIds: [] })).status,
    ).toBe(404);
  });

  it('each category goes to one station per branch; another business’s category is 422', async () => {
    const [mains, drinks] = [await category(r), await category(r)];
    const grill = await station(r.branchA, { kind: 'screen' });
    const bar = await station(r.branchA, { kind: 'screen' });
    expect((await mapTo(grill.id, [mains, drinks, mains])).categoryIds.sort()).toEqual(
      [mains, drinks].sort(),
    );
    // Drinks move to the bar.
    expect((await mapTo(bar.id, [drinks])).categoryIds).toEqual([drinks]);
    expect(ok<Station>(await get(r.manager.token, `/stations/${grill.id}`), 'grill').categoryIds).toEqual([
      mains,
    ]);
    // The same category goes elsewhere in branch B.
    const north = await station(r.branchB, { kind: 'screen' });
    expect((await mapTo(north.id, [mains])).categoryIds).toEqual([mains]);
    expect(ok<Station>(await get(r.manager.token, `/stations/${grill.id}`), 'grill').categoryIds).toEqual([
      mains,
    ]);
    const foreign = await category(other);
    expect(
      code(await send('put', r.manager.token, `/stations/${bar.id}/categories`, { categoryIds: [foreign] })),
    ).toEqual([422, 'UNKNOWN_REFERENCE']);
    expect((await mapTo(bar.id, [])).categoryIds).toEqual([]);
  });
});

describe('routing an order to its stations', () => {
  let mains: string;
  let drinks: string;
  let desserts: string;
  let grill: Station;
  let bar: Station;
  let pastry: Station;
  beforeAll(async () => {
    [mains, drinks, desserts] = [await category(r), await category(r), await category(r)];
    grill = await station(r.branchA, { kind: 'printer', printerAddress: '10.0.0.21:9100' });
    bar = await station(r.branchA, { kind: 'screen' });
    pastry = await station(r.branchA, {
      kind: 'both',
      printerAddress: 'postres.local:9100',
      isDefault: true,
    });
    await mapTo(grill.id, [mains]);
    await mapTo(bar.id, [drinks]);
  });

  it('one print-job ticket per station, the unmapped category at the default; events reach each station’s room', async () => {
    const from = `${Date.now() - 1}`;
    const burger = line(mains, 'Hamburguesa clásica (Grande)', {
      quantity: 2,
      modifiers: ['Sin cebolla', 'Queso extra'],
      notes: 'término medio',
    });
    const input = await order([
      burger,
      line(drinks, 'Limonada'),
      line(desserts, 'Flan'),
      line(mains, 'Papas'),
    ]);
    const routed = await sendToKitchen(input);
    await announceKitchen(h.deps, routed);
    expect(routed.tickets).toHaveLength(3);

    const [onGrill] = await tickets(grill.id, { status: 'queued' });
    expect(onGrill).toMatchObject({
      orderId: input.orderId,
      orderNumber: input.orderNumber,
      tableLabel: 'Mesa 4',
      kind: 'order',
      status: 'queued',
      printStatus: 'pending',
    });
    expect(onGrill!.items.map((i) => [i.name, i.quantity, i.modifiers, i.notes, i.status])).toEqual([
      ['Hamburguesa clásica (Grande)', 2, ['Sin cebolla', 'Queso extra'], 'término medio', 'queued'],
      ['Papas', 1, [], null, 'queued'],
    ]);
    // A screen prints nothing; the default station took the dessert nobody routed.
    expect((await tickets(bar.id))[0]).toMatchObject({ orderId: input.orderId, printStatus: 'none' });
    const [sweet] = await tickets(pastry.id);
    expect(sweet).toMatchObject({ orderId: input.orderId, printStatus: 'pending' });
    expect(sweet!.items.map((i) => i.name)).toEqual(['Flan']);

    const created = (await eventsSince(from)).filter((e) => e.event === 'kitchen:ticket_created');
    expect(created.map((e) => e.room).sort()).toEqual(
      [kitchenRoom(grill), kitchenRoom(bar), kitchenRoom(pastry)].sort(),
    );
    expect(created.find((e) => e.room === kitchenRoom(grill))!.data).toMatchObject({
      id: onGrill!.id,
      orderNumber: input.orderNumber,
      items: [
        expect.objectContaining({ name: 'Hamburguesa clásica (Grande)' }),
        expect.objectContaining({ name: 'Papas' }),
      ],
    });

    // A retried send writes nothing new; new lines of the order go out on new tickets.
    expect((await sendToKitchen(input)).tickets).toEqual([]);
    const more = await sendToKitchen({ ...input, lines: [...input.lines, line(drinks, 'Café')] });
    expect(more.tickets.map((t) => t.stationId)).toEqual([bar.id]);
    expect(more.items.map((i) => i.name)).toEqual(['Café']);
  });

  it('a category without a station in a branch without a default is refused whole (422 NO_KITCHEN_STATION)', async () => {
    const soups = await category(r);
    const tv = await station(r.branchB, { kind: 'screen' });
    await mapTo(tv.id, [mains]);
    const input = await order([line(mains, 'Lomo'), line(soups, 'Sopa')], { branchId: r.branchB });
    const err = await refusal(sendToKitchen(input));
    expect(err.code).toBe('NO_KITCHEN_STATION');
    expect(err.items.map((i) => i.field)).toEqual(['lines.1.categoryId']);
    expect(await tickets(tv.id, {}, r.manager.token)).toEqual([]);
    // Another business's routing never applies: its tenant has no station at all.
    expect(
      (await refusal(sendToKitchen({ ...(await order([line(mains, 'Lomo')])) }, other.biz.tenantId))).code,
    ).toBe('NO_KITCHEN_STATION');
  });

  it('a void after sending makes a cancel ticket for the station concerned and cancels its item', async () => {
    const steak = line(mains, 'Bife');
    const fries = line(mains, 'Papas');
    const soda = line(drinks, 'Soda');
    const input = await order([steak, fries, soda]);
    await sendToKitchen(input);
    const from = `${Date.now() - 1}`;
    const voided = await sendToKitchen({
      ...input,
      kind: 'cancel',
      lines: [steak, line(desserts, 'never sent')],
    });
    await announceKitchen(h.deps, voided);
    expect(voided.tickets.map((t) => [t.stationId, t.kind])).toEqual([[grill.id, 'cancel']]);
    const onGrill = (await tickets(grill.id)).filter((t) => t.orderId === input.orderId);
    const cancel = onGrill.find((t) => t.kind === 'cancel')!;
    expect(cancel).toMatchObject({ printStatus: 'pending', status: 'queued' });
    expect(cancel.items.map((i) => [i.lineId, i.name])).toEqual([[steak.lineId, 'Bife']]);
    const original = onGrill.find((t) => t.kind === 'order')!;
    expect(original.items.map((i) => [i.name, i.status])).toEqual([
      ['Bife', 'cancelled'],
      ['Papas', 'queued'],
    ]);
    expect((await tickets(bar.id, { kind: 'cancel' })).filter((t) => t.orderId === input.orderId)).toEqual(
      [],
    );
    expect(
      (await eventsSince(from)).filter((e) => e.event === 'kitchen:ticket_created').map((e) => e.room),
    ).toEqual([kitchenRoom(grill)]);
  });

  it('the kitchen bumps items and tickets forward; the station’s room hears it', async () => {
    const input = await order([line(mains, 'Bife'), line(mains, 'Ensalada')]);
    await sendToKitchen(input);
    const [t] = (await tickets(grill.id, { status: ['queued'] })).filter((x) => x.orderId === input.orderId);
    const from = `${Date.now() - 1}`;
    const first = ok<Ticket>(
      await send('post', r.kitchen.token, `/kitchen/ticket-items/${t!.items[0]!.id}/bump`, {
        status: 'preparing',
      }),
      'bump item',
    );
    expect([first.status, first.items.map((i) => i.status)]).toEqual(['queued', ['preparing', 'queued']]);
    expect(
      code(
        await send('post', r.kitchen.token, `/kitchen/ticket-items/${t!.items[0]!.id}/bump`, {
          status: 'preparing',
        }),
      ),
    ).toEqual([409, 'INVALID_STATE_TRANSITION']);
    const done = ok<Ticket>(
      await send('post', r.kitchen.token, `/kitchen/tickets/${t!.id}/bump`, { status: 'ready' }),
      'bump ticket',
    );
    expect([done.status, done.items.map((i) => i.status)]).toEqual(['ready', ['ready', 'ready']]);
    // Never backwards.
    expect(
      code(await send('post', r.kitchen.token, `/kitchen/tickets/${t!.id}/bump`, { status: 'preparing' })),
    ).toEqual([409, 'INVALID_STATE_TRANSITION']);
    expect((await tickets(grill.id, { status: 'ready' })).map((x) => x.id)).toContain(t!.id);
    expect((await tickets(grill.id, { status: ['queued', 'preparing'] })).map((x) => x.id)).not.toContain(
      t!.id,
    );

    const events = (await eventsSince(from)).filter((e) => e.room === kitchenRoom(grill));
    expect(events.map((e) => [e.event, e.data.status ?? null])).toEqual([
      ['kitchen:item_bumped', 'preparing'],
      ['kitchen:item_bumped', 'ready'],
      ['kitchen:item_bumped', 'ready'],
      ['kitchen:ticket_ready', null],
    ]);
    expect(events.at(-1)!.data).toEqual({
      ticketId: t!.id,
      orderId: input.orderId,
      orderNumber: input.orderNumber,
    });
  });

  it('bumps need kitchen.operate in the ticket’s branch; another business’s ticket is 404', async () => {
    const tv = await station(r.branchB, { kind: 'screen', isDefault: true });
    const b = await sendToKitchen(await order([line(desserts, 'Flan')], { branchId: r.branchB }));
    expect(b.tickets[0]!.stationId).toBe(tv.id);
    const a = await sendToKitchen(await order([line(mains, 'Bife')]));
    const [ta, tb] = [a.tickets[0]!.id, b.tickets[0]!.id];
    expect(
      (await send('post', r.kitchen.token, `/kitchen/tickets/${tb}/bump`, { status: 'ready' })).status,
    ).toBe(404);
    expect((await get(r.kitchen.token, `/kitchen/tickets/${tb}`)).status).toBe(404);
    expect((await get(r.kitchen.token, `/stations/${tv.id}/tickets`)).status).toBe(404);
    expect(
      (await send('post', r.waiter.token, `/kitchen/tickets/${ta}/bump`, { status: 'ready' })).status,
    ).toBe(403);
    expect(
      (await send('post', other.manager.token, `/kitchen/tickets/${ta}/bump`, { status: 'ready' })).status,
    ).toBe(404);
    expect(
      (
        await send('post', other.manager.token, `/kitchen/ticket-items/${a.items[0]!.id}/bump`, {
          status: 'ready',
        })
      ).status,
    ).toBe(404);
    expect((await get(other.manager.token, `/kitchen/tickets/${ta}`)).status).toBe(404);
    expect(
      code(await send('post', r.kitchen.token, `/kitchen/tickets/${ta}/bump`, { status: 'served' })),
    ).toEqual([400, 'VALIDATION_FAILED']);
    // The manager works the kitchen too (both branches); the kitchen of A reads its ticket.
    expect(
      (await send('post', r.manager.token, `/kitchen/tickets/${tb}/bump`, { status: 'ready' })).status,
    ).toBe(200);
    expect(ok<Ticket>(await get(r.kitchen.token, `/kitchen/tickets/${ta}`), 'read').items[0]!.name).toBe(
      'Bife',
    );
  });

  it('the order’s progress: preparing at its first bump, ready once, when both stations’ last items race', async () => {
    const input = await order([line(mains, 'Bife'), line(drinks, 'Vino'), line(drinks, 'Agua')]);
    const routed = await sendToKitchen(input);
    const progress: BumpStatus[] = [];
    const record = (_em: EntityManager, orderId: string, status: BumpStatus) => {
      expect(orderId).toBe(input.orderId);
      progress.push(status);
      return Promise.resolve();
    };
    const onGrill = routed.tickets.find((t) => t.stationId === grill.id)!;
    const onBar = routed.tickets.find((t) => t.stationId === bar.id)!;
    const water = routed.items.find((i) => i.name === 'Agua')!;
    const run = (ticketId: string, status: BumpStatus, itemId?: string) =>
      inTx(r.biz.tenantId, (tx) => bump(tx, { ticketId, itemId }, status, record));
    await run(onBar.id, 'preparing', water.id);
    expect(progress).toEqual(['preparing']);
    await run(onBar.id, 'ready', water.id);
    expect(progress).toEqual(['preparing']);
    // Both stations finish at the same moment: the order's tickets are locked together, so exactly
    // one of the two bumps sees everything ready.
    await Promise.all([run(onGrill.id, 'ready'), run(onBar.id, 'ready')]);
    expect(progress).toEqual(['preparing', 'ready']);
    // A void of a line that is not ready yet, after everything else is, leaves nothing to wait for.
    const late = await order([line(mains, 'Bife'), line(drinks, 'Vino')]);
    const lateRouted = await sendToKitchen(late);
    const lateProgress: BumpStatus[] = [];
    await inTx(r.biz.tenantId, (tx) =>
      bump(
        tx,
        { ticketId: lateRouted.tickets.find((t) => t.stationId === grill.id)!.id },
        'ready',
        (_e, _o, s) => {
          lateProgress.push(s);
          return Promise.resolve();
        },
      ),
    );
    expect(lateProgress).toEqual(['preparing']);
    const voided = await sendToKitchen({ ...late, kind: 'cancel', lines: [late.lines[1]!] });
    expect(voided.changed.map((t) => t.status)).toEqual(['cancelled']);
    expect(voided.progress).toEqual(['ready']);
    // Voiding it again tells the kitchen nothing more.
    expect((await sendToKitchen({ ...late, kind: 'cancel', lines: [late.lines[1]!] })).tickets).toEqual([]);
  });

  it('an order sent by the orders part follows its kitchen: sent → preparing → ready through the screen', async () => {
    const kitchen = await station(r.branchA, { kind: 'screen' });
    await mapTo(kitchen.id, [categoryId]);
    const o = await realOrder(r.branchA);
    await inTx(r.biz.tenantId, (tx) => addLine(tx, o.id, { productId, quantity: 2 }));
    const sent = await inTx(r.biz.tenantId, (tx) => sendOrder(tx, o.id));
    expect(sent.routed!.tickets.map((t) => t.stationId)).toEqual([kitchen.id]);
    const status = () => inTx(r.biz.tenantId, async (tx) => (await loadOrder(tx, o.id)).status);
    expect(await status()).toBe('sent');
    const [t] = await tickets(kitchen.id);
    expect(t!.items.map((i) => [i.name, i.quantity])).toEqual([['Bife', 2]]);
    ok(
      await send('post', r.kitchen.token, `/kitchen/ticket-items/${t!.items[0]!.id}/bump`, {
        status: 'preparing',
      }),
      'bump',
    );
    expect(await status()).toBe('preparing');
    ok(await send('post', r.kitchen.token, `/kitchen/tickets/${t!.id}/bump`, { status: 'ready' }), 'bump');
    expect(await status()).toBe('ready');
  });
});
