/**
 * Orders once the kitchen has them (real identity, PostgreSQL, Redis, the API over HTTP): voiding
 * sent lines (`orders.void`, a manager of the branch) with a cancel ticket for their station only,
 * a second round sent on its own, and the order and table events the branch's room hears.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { runWithContext } from '@faena/platform';
import { addUser, bearer, roleId } from '../../identity/test/harness.ts';
import { markPaid } from '../src/domain/orders.ts';
import { API, ok, restaurant, startPos, type PosHarness, type Restaurant, type User } from './harness.ts';

let h: PosHarness;
let r: Restaurant;
let managerB: User;
let burger: string;
let beer: string;
let table: string;
let cocina: string;
let barra: string;

interface Line {
  id: string;
  name: string;
  total: string;
  sentAt: string | null;
  voidedAt: string | null;
  voidReason: string | null;
  voidedBy: string | null;
}
interface Order {
  id: string;
  status: string;
  total: string;
  cancelReason: string | null;
  lines: Line[];
}
interface Ticket {
  id: string;
  orderId: string;
  kind: string;
  status: string;
  items: Array<{ id: string; lineId: string; quantity: number; status: string }>;
}
interface Event {
  tenantId: string;
  room: string;
  event: string;
  data: Record<string, unknown>;
}

const call = (
  method: 'post' | 'put' | 'patch' | 'get' | 'delete',
  who: User,
  path: string,
  body?: object,
) => {
  const req = h.agent[method](`${API}${path}`).set(bearer(who.token));
  return body ? req.send(body) : req;
};
const code = (res: { status: number; body: unknown }) => [
  res.status,
  (res.body as { errors?: Array<{ code: string }> }).errors?.[0]?.code,
];

beforeAll(async () => {
  h = await startPos();
  r = await restaurant(h);
  managerB = await addUser(h.identity, r.biz, [
    { roleId: await roleId(h.identity, r.biz, 'manager'), branchId: r.branchB },
  ]);
  const m = r.manager;
  const category = async (name: string) =>
    ok<{ id: string }>(await call('post', m, '/categories', { name }), name).id;
  const [fondos, bebidas] = [await category('Fondos'), await category('Bebidas')];
  const product = async (categoryId: string, name: string, price: number) => {
    const id = ok<{ id: string }>(await call('post', m, '/products', { categoryId, name }), name).id;
    ok(await call('put', m, `/branches/${r.branchA}/products/${id}`, { price, currency: 'CLP' }), 'price');
    return id;
  };
  burger = await product(fondos, 'Hamburguesa', 8990);
  beer = await product(bebidas, 'Cerveza', 3000);
  const station = async (name: string, isDefault: boolean) =>
    ok<{ id: string }>(
      await call('post', m, '/stations', { branchId: r.branchA, name, kind: 'screen', isDefault }),
      name,
    ).id;
  cocina = await station('Cocina', true);
  barra = await station('Barra', false);
  ok(await call('put', m, `/stations/${barra}/categories`, { categoryIds: [bebidas] }), 'barra');
  const floor = ok<{ id: string }>(
    await call('post', m, '/floors', { branchId: r.branchA, name: 'Salón' }),
    'f',
  );
  table = ok<{ id: string }>(
    await call('post', m, `/floors/${floor.id}/tables`, { name: '7', seats: 4 }),
    't',
  ).id;
}, 180_000);
afterAll(async () => {
  await h?.close();
});

/** A dine-in order at the table (a waiter of A), with `lines` added, sent. */
async function sentOrder(lines: Array<[string, number]>): Promise<Order> {
  const o = ok<Order>(
    await call('post', r.waiter, '/orders', {
      branchId: r.branchA,
      kind: 'dine_in',
      tableId: table,
      guests: 2,
    }),
    'order',
  );
  for (const [productId, quantity] of lines)
    ok(await call('post', r.waiter, `/orders/${o.id}/lines`, { productId, quantity }), 'line');
  return ok<Order>(await call('post', r.waiter, `/orders/${o.id}/send`), 'send');
}
const lineOf = (o: Order, name: string) => o.lines.find((l) => l.name === name)!;
const ticketsOf = async (stationId: string, orderId: string, kind?: string) =>
  ok<Ticket[]>(
    await call('get', r.kitchen, `/stations/${stationId}/tickets?limit=100${kind ? `&kind=${kind}` : ''}`),
    'tickets',
  ).filter((t) => t.orderId === orderId);
const bump = (ticketId: string, status: 'preparing' | 'ready') =>
  call('post', r.kitchen, `/kitchen/tickets/${ticketId}/bump`, { status });
const read = async (id: string) => ok<Order>(await call('get', r.waiter, `/orders/${id}`), 'read');
const voidLine = (orderId: string, lineId: string, who: User = r.managerA, reason = 'Cliente cambió') =>
  call('post', who, `/orders/${orderId}/lines/${lineId}/void`, { reason });
const tableStatus = async () =>
  ok<{ status: string }>(await call('get', r.manager, `/tables/${table}`), 'table').status;

describe('voiding a sent line', () => {
  it('keeps the line voided, recomputes the totals and writes a cancel ticket for its station only', async () => {
    const o = await sentOrder([
      [burger, 2],
      [beer, 1],
    ]);
    expect(o.total).toBe('20980');
    const cerveza = lineOf(o, 'Cerveza');
    // A waiter does not void (403); a manager of another branch does not see the order (404).
    expect((await voidLine(o.id, cerveza.id, r.waiter)).status).toBe(403);
    expect(code(await voidLine(o.id, cerveza.id, managerB))).toEqual([404, 'NOT_FOUND']);
    expect(code(await call('delete', r.waiter, `/orders/${o.id}/lines/${cerveza.id}`))).toEqual([
      409,
      'INVALID_STATE_TRANSITION',
    ]);
    const voided = ok<Order>(await voidLine(o.id, cerveza.id), 'void');
    expect(voided.total).toBe('17980');
    expect(lineOf(voided, 'Cerveza')).toMatchObject({
      voidReason: 'Cliente cambió',
      voidedBy: r.managerA.id,
      total: '3000',
    });
    expect(lineOf(voided, 'Cerveza').voidedAt).not.toBeNull();
    // The bar gets a cancel ticket for the beer; the kitchen none (its burger stands).
    const cancels = await ticketsOf(barra, o.id, 'cancel');
    expect(cancels.map((t) => t.items.map((i) => [i.lineId, i.quantity]))).toEqual([[[cerveza.id, 1]]]);
    expect(await ticketsOf(cocina, o.id, 'cancel')).toEqual([]);
    const [barTicket] = await ticketsOf(barra, o.id, 'order');
    expect([barTicket!.status, barTicket!.items[0]!.status]).toEqual(['cancelled', 'cancelled']);
    expect(code(await voidLine(o.id, cerveza.id))).toEqual([409, 'INVALID_STATE_TRANSITION']);
    expect((await read(o.id)).status).toBe('sent');
    ok(await call('post', r.managerA, `/orders/${o.id}/cancel`, { reason: 'fin' }), 'close');
  });

  it('a void that leaves every live item ready makes the order ready', async () => {
    const o = await sentOrder([
      [burger, 1],
      [beer, 1],
    ]);
    const [kitchenTicket] = await ticketsOf(cocina, o.id, 'order');
    ok(await bump(kitchenTicket!.id, 'ready'), 'bump');
    expect((await read(o.id)).status).toBe('preparing');
    const after = ok<Order>(await voidLine(o.id, lineOf(o, 'Cerveza').id), 'void');
    expect(after.status).toBe('ready');
    ok(await call('post', r.managerA, `/orders/${o.id}/cancel`, { reason: 'fin' }), 'close');
  });

  it('voiding the last live line cancels the order and frees its table', async () => {
    const o = await sentOrder([[burger, 1]]);
    expect(await tableStatus()).toBe('occupied');
    const after = ok<Order>(await voidLine(o.id, o.lines[0]!.id, r.managerA, 'Se fueron'), 'void');
    expect([after.status, after.cancelReason, after.total]).toEqual(['cancelled', 'Se fueron', '0']);
    expect(await tableStatus()).toBe('available');
    expect((await ticketsOf(cocina, o.id, 'cancel')).length).toBe(1);
  });

  it('cancelling a sent order gives each station a cancel ticket for what it still had', async () => {
    const o = await sentOrder([
      [burger, 1],
      [beer, 2],
    ]);
    ok(await voidLine(o.id, lineOf(o, 'Cerveza').id), 'void');
    ok(await call('post', r.managerA, `/orders/${o.id}/cancel`, { reason: 'Mesa se retiró' }), 'cancel');
    // The kitchen is told of the burger; the bar's beer was voided already (one cancel ticket, not two).
    const kitchen = await ticketsOf(cocina, o.id, 'cancel');
    expect(kitchen.map((t) => t.items.map((i) => [i.lineId, i.quantity]))).toEqual([
      [[lineOf(o, 'Hamburguesa').id, 1]],
    ]);
    expect((await ticketsOf(barra, o.id, 'cancel')).length).toBe(1);
    const [kitchenTicket] = await ticketsOf(cocina, o.id, 'order');
    expect(kitchenTicket!.status).toBe('cancelled');
    expect(await tableStatus()).toBe('available');
  });

  it('a paid order is not voided (409)', async () => {
    const o = await sentOrder([[burger, 1]]);
    await runWithContext({ tenantId: r.biz.tenantId }, () =>
      h.orm.em.fork().transactional((tx) => markPaid(tx as unknown as EntityManager, o.id, 'pay-1')),
    );
    expect(code(await voidLine(o.id, o.lines[0]!.id))).toEqual([409, 'INVALID_STATE_TRANSITION']);
    expect(await ticketsOf(cocina, o.id, 'cancel')).toEqual([]);
  });

  it('an open order removes its lines instead (409 for a void)', async () => {
    const o = ok<Order>(
      await call('post', r.waiter, '/orders', { branchId: r.branchA, kind: 'takeaway' }),
      'o',
    );
    const withLine = ok<Order>(
      await call('post', r.waiter, `/orders/${o.id}/lines`, { productId: beer, quantity: 1 }),
      'l',
    );
    expect(code(await voidLine(o.id, withLine.lines[0]!.id))).toEqual([409, 'INVALID_STATE_TRANSITION']);
    ok(await call('delete', r.waiter, `/orders/${o.id}/lines/${withLine.lines[0]!.id}`), 'remove');
  });
});

describe('a second round', () => {
  it('sends only the new lines; the order goes back to sent, or preparing once the kitchen started', async () => {
    const o = await sentOrder([[burger, 1]]);
    // Nothing new: 409. A round added while the first is still queued: back to (still) sent.
    expect(code(await call('post', r.waiter, `/orders/${o.id}/send`))).toEqual([
      409,
      'INVALID_STATE_TRANSITION',
    ]);
    ok(await call('post', r.waiter, `/orders/${o.id}/lines`, { productId: beer, quantity: 2 }), 'round 2');
    const second = ok<Order>(await call('post', r.waiter, `/orders/${o.id}/send`), 'send 2');
    expect([second.status, second.total, second.lines.every((l) => l.sentAt)]).toEqual([
      'sent',
      '14990',
      true,
    ]);
    expect((await ticketsOf(cocina, o.id, 'order')).map((t) => t.items.length)).toEqual([1]);
    const [bar] = await ticketsOf(barra, o.id, 'order');
    expect(bar!.items.map((i) => [i.lineId, i.quantity])).toEqual([[lineOf(second, 'Cerveza').id, 2]]);
    // Everything ready and served; a third round goes back to the kitchen, which has started: preparing.
    for (const t of [...(await ticketsOf(cocina, o.id, 'order')), bar!])
      ok(await bump(t.id, 'ready'), 'bump');
    expect((await read(o.id)).status).toBe('ready');
    ok(await call('post', r.waiter, `/orders/${o.id}/serve`), 'serve');
    const third = ok<Order>(
      await call('post', r.waiter, `/orders/${o.id}/lines`, { productId: burger, quantity: 1 }),
      'r3',
    );
    expect(third.status).toBe('served');
    // A line not sent yet is removed, not voided; then added again and sent.
    const unsent = third.lines.find((l) => !l.sentAt)!;
    expect(code(await voidLine(o.id, unsent.id))).toEqual([409, 'INVALID_STATE_TRANSITION']);
    ok(await call('delete', r.waiter, `/orders/${o.id}/lines/${unsent.id}`), 'remove');
    ok(await call('post', r.waiter, `/orders/${o.id}/lines`, { productId: burger, quantity: 1 }), 'r3 again');
    const sent3 = ok<Order>(await call('post', r.waiter, `/orders/${o.id}/send`), 'send 3');
    expect([sent3.status, sent3.total]).toEqual(['preparing', '23980']);
    const kitchen = await ticketsOf(cocina, o.id, 'order');
    expect(kitchen.map((t) => t.status).sort()).toEqual(['queued', 'ready']);
    // The kitchen finishes the new round: ready again.
    ok(await bump(kitchen.find((t) => t.status === 'queued')!.id, 'ready'), 'bump 3');
    expect((await read(o.id)).status).toBe('ready');
    ok(await call('post', r.managerA, `/orders/${o.id}/cancel`, { reason: 'fin' }), 'close');
  });
});

describe('real-time events', () => {
  const since = async (from: string): Promise<Event[]> =>
    (await h.redis.xrange('faena:realtime:intake', from, '+')).map(([, f]) => JSON.parse(f[1]!) as Event);

  it("order and table events reach the order's branch room, after each change", async () => {
    const from = `${Date.now() - 1}`;
    const o = await sentOrder([
      [burger, 1],
      [beer, 1],
    ]);
    ok(await voidLine(o.id, lineOf(o, 'Cerveza').id), 'void');
    ok(await call('post', r.managerA, `/orders/${o.id}/cancel`, { reason: 'fin' }), 'cancel');
    const room = `tenant:${r.biz.tenantId}:branch:${r.branchA}`;
    const mine = (await since(from)).filter(
      (e) =>
        (e.event.startsWith('order:') && e.data.orderId === o.id) ||
        (e.event === 'table:updated' && e.data.tableId === table),
    );
    expect(mine.every((e) => e.room === room && e.tenantId === r.biz.tenantId)).toBe(true);
    expect(mine.map((e) => [e.event, e.data.status ?? null])).toEqual([
      ['order:created', 'open'],
      ['table:updated', 'occupied'],
      ['order:updated', 'open'], // burger
      ['order:updated', 'open'], // beer
      ['order:updated', 'sent'],
      ['order:updated', 'sent'], // the void
      ['order:cancelled', 'cancelled'],
      ['table:updated', 'available'],
    ]);
    expect(mine[5]!.data).toMatchObject({ total: '8990', number: expect.any(String) });
  });

  it("the kitchen's bumps and a manager's change of the table are heard in the branch room too", async () => {
    const from = `${Date.now() - 1}`;
    const o = await sentOrder([[burger, 1]]);
    const [ticket] = await ticketsOf(cocina, o.id, 'order');
    ok(await bump(ticket!.id, 'preparing'), 'preparing');
    ok(await bump(ticket!.id, 'ready'), 'ready');
    ok(await call('post', r.managerA, `/orders/${o.id}/cancel`, { reason: 'fin' }), 'cancel');
    ok(await call('patch', r.managerA, `/tables/${table}`, { status: 'out_of_service' }), 'out');
    ok(await call('patch', r.managerA, `/tables/${table}`, { status: 'available' }), 'back');
    const events = await since(from);
    expect(
      events.filter((e) => e.data.orderId === o.id && e.event === 'order:updated').map((e) => e.data.status),
    ).toEqual(['open', 'sent', 'preparing', 'ready']);
    expect(
      events.filter((e) => e.event === 'table:updated' && e.data.tableId === table).map((e) => e.data.status),
    ).toEqual(['occupied', 'available', 'out_of_service', 'available']);
  });
});
