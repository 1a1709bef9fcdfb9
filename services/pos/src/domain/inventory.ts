/**
 * The POS inventory: items, stock per branch, the kardex with weighted average cost, transfers,
 * the deduction an order's payment makes (`deductForSale`) and its refund (`restockForRefund`).
 *
 * **One way to move stock.** Every movement locks the item's stock row in the branch
 * (`select … for update`, created at zero the first time), computes the new quantity and value in
 * `bigint`, refuses 409 OUT_OF_STOCK when the row may not go below zero, writes the row and its
 * kardex line (`balanceQuantity`, `balanceValue`, `avgCost` after it) in one transaction. The row's
 * CHECK `allow_negative or (quantity >= 0 and value >= 0)` is the backstop; `allow_negative` is the
 * tenant's setting, copied onto every row by `setSettings` in its transaction. Several rows are
 * always locked in item id (transfers: branch id) order, so two movements never deadlock.
 *
 * **Weighted average cost** (quantities in thousandths of the base unit, values in minor units;
 * every division rounds half away from zero to the minor unit, `divRound`):
 * - value arriving with a cost of its own — a purchase (`unitCost × quantity` as entered, or its
 *   total), a transfer's arrival (the value that left the source), a refund (the value its sale
 *   took) — is added to the row's value and the **average is recomputed**:
 *   `avgCost = value × 1000 / quantity` minor units per base unit (when quantity > 0);
 * - an out movement takes its **share of the value**: `value × q / quantity`; the last units take
 *   all that is left (so zero units are worth zero, and rounding never leaves value behind); units
 *   beyond those on hand (negative stock allowed) are valued at the average;
 * - adjustments and count differences in are valued at the average (which they leave as it is).
 *
 * **Low stock** is raised once per crossing: the movement that leaves the row at or below the
 * item's threshold while its `low_stock` flag is off sets the flag and writes an `inventory_alerts`
 * row, in its own transaction; one that leaves it above resets the flag. Delivery happens after the
 * commit, never inside it: the route publishes `inventory:low_stock` to the branch's room (best
 * effort, like the gym's store), and the alert row stays undelivered (`delivered_at` null) for the
 * notifications dispatcher of the POS worker (issue 18) to send the `inventory.low_stock` template
 * to the branch's managers and mark it delivered.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { DomainError, isCheckViolation, isUniqueViolation, notFound } from '@faena/platform';
import {
  InventoryAlert,
  InventoryItem,
  InventoryMovement,
  InventorySettings,
  InventoryStock,
  InventoryTransfer,
  type ManualMovementKind,
  type MovementKind,
} from './inventory-entities.ts';
import { RecipeLine } from './recipe-entities.ts';
import { SCALE, costOf, divRound, formatQuantity, toBase, type Unit } from './inventory-units.ts';

// ---------------------------------------------------------------------------------------------
// Presenters

export const presentItem = (i: InventoryItem) => ({
  id: i.id,
  name: i.name,
  baseUnit: i.baseUnit,
  currency: i.currency,
  lowStockThreshold: formatQuantity(i.lowStockThreshold),
  active: i.active,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});

export const presentStock = (s: InventoryStock, i: InventoryItem) => ({
  itemId: s.itemId,
  branchId: s.branchId,
  unit: i.baseUnit,
  quantity: formatQuantity(s.quantity),
  value: s.value.toString(),
  avgCost: s.avgCost.toString(),
  currency: i.currency,
  lowStock: s.lowStock,
  updatedAt: s.updatedAt.toISOString(),
});

export const presentMovement = (m: InventoryMovement, i: InventoryItem) => ({
  id: m.id,
  itemId: m.itemId,
  branchId: m.branchId,
  kind: m.kind,
  unit: i.baseUnit,
  quantity: formatQuantity(m.quantity),
  value: m.value.toString(),
  currency: i.currency,
  entered: m.enteredQuantity ? { quantity: m.enteredQuantity, unit: m.enteredUnit! } : null,
  unitCost: m.unitCost?.toString() ?? null,
  balanceQuantity: formatQuantity(m.balanceQuantity),
  balanceValue: m.balanceValue.toString(),
  avgCost: m.avgCost.toString(),
  transferId: m.transferId ?? null,
  countId: m.countId ?? null,
  reference: m.reference ?? null,
  note: m.note ?? null,
  createdAt: m.createdAt.toISOString(),
  createdBy: m.createdBy ?? null,
});

export const presentTransfer = (t: InventoryTransfer, i: InventoryItem, movements: InventoryMovement[]) => ({
  id: t.id,
  itemId: t.itemId,
  fromBranchId: t.fromBranchId,
  toBranchId: t.toBranchId,
  unit: i.baseUnit,
  quantity: formatQuantity(t.quantity),
  value: t.value.toString(),
  currency: i.currency,
  note: t.note ?? null,
  movements: movements.map((m) => presentMovement(m, i)),
  createdAt: t.createdAt.toISOString(),
});

export const presentAlert = (a: InventoryAlert, i: InventoryItem) => ({
  id: a.id,
  itemId: a.itemId,
  itemName: i.name,
  branchId: a.branchId,
  movementId: a.movementId,
  unit: i.baseUnit,
  quantity: formatQuantity(a.quantity),
  threshold: formatQuantity(a.threshold),
  createdAt: a.createdAt.toISOString(),
  deliveredAt: a.deliveredAt?.toISOString() ?? null,
});

// ---------------------------------------------------------------------------------------------
// Items and settings

export interface ItemInput {
  name: string;
  baseUnit: Unit;
  currency: string;
  /** A decimal in the base unit. */
  lowStockThreshold?: string;
  active?: boolean;
}

const nameTaken = () =>
  new DomainError('ALREADY_EXISTS', 'The business already has an inventory item with that name', {
    field: 'body.name',
  });

export async function loadItem(em: EntityManager, id: string): Promise<InventoryItem> {
  const i = await em.findOne(InventoryItem, { id });
  if (!i) throw notFound('Inventory item');
  return i;
}

/** Writes an item (new or changed). Its base unit never changes once it has stock rows. */
export async function saveItem(
  em: EntityManager,
  input: Partial<ItemInput>,
  existing?: InventoryItem,
): Promise<InventoryItem> {
  const i =
    existing ??
    em.create(InventoryItem, {
      name: input.name!,
      baseUnit: input.baseUnit!,
      currency: input.currency!,
      lowStockThreshold: 0n,
    });
  if (input.name !== undefined) i.name = input.name;
  if (input.baseUnit !== undefined && input.baseUnit !== i.baseUnit) {
    // Stock, the kardex and recipes count in thousandths of the base unit: a new unit would rescale them.
    if (
      existing &&
      ((await em.count(InventoryMovement, { itemId: i.id })) ||
        (await em.count(RecipeLine, { itemId: i.id })))
    )
      throw new DomainError(
        'INVALID_STATE_TRANSITION',
        'An item with movements or in a recipe keeps its base unit',
        {
          field: 'body.baseUnit',
        },
      );
    i.baseUnit = input.baseUnit;
  }
  if (input.currency !== undefined) i.currency = input.currency;
  if (input.active !== undefined) i.active = input.active;
  if (input.lowStockThreshold !== undefined)
    i.lowStockThreshold = toBase(input.lowStockThreshold, i.baseUnit, i.baseUnit, 'body.lowStockThreshold');
  try {
    await em.flush();
  } catch (err) {
    if (isUniqueViolation(err, 'inventory_items_name_unique')) throw nameTaken();
    throw err;
  }
  return i;
}

export async function getSettings(em: EntityManager): Promise<{ allowNegativeStock: boolean }> {
  const s = await em.findOne(InventorySettings, {});
  return { allowNegativeStock: s?.allowNegativeStock ?? false };
}

/**
 * Sets the business's negative-stock rule and copies it onto every stock row in one transaction.
 * Turning it off while some row is below zero is 409 NEGATIVE_STOCK_EXISTS (the rows' CHECK says so).
 */
export async function setSettings(
  em: EntityManager,
  tenantId: string,
  input: { allowNegativeStock: boolean },
): Promise<{ allowNegativeStock: boolean }> {
  try {
    await em.transactional(async (tx) => {
      await tx.execute(
        `insert into pos.inventory_settings (id, tenant_id, allow_negative_stock, created_at, updated_at)
          values (?, ?, ?, now(), now())
          on conflict (tenant_id) do update set allow_negative_stock = excluded.allow_negative_stock, updated_at = now()`,
        [uuidv7(), tenantId, input.allowNegativeStock],
      );
      await tx.execute(`update pos.inventory_stock set allow_negative = ? where tenant_id = ?`, [
        input.allowNegativeStock,
        tenantId,
      ]);
    });
  } catch (err) {
    if (isCheckViolation(err, 'inventory_stock_negative_check'))
      throw new DomainError(
        'NEGATIVE_STOCK_EXISTS',
        'Some stock is below zero: count or purchase it back to zero before turning negative stock off',
        { field: 'body.allowNegativeStock' },
      );
    throw err;
  }
  return input;
}

// ---------------------------------------------------------------------------------------------
// The one way to move stock

/**
 * The item's stock row in the branch, locked for this transaction (created at zero the first
 * time, whoever races: `on conflict do nothing`, the tenant's negative-stock rule read under a
 * share lock so a concurrent settings change cannot slip between).
 */
export async function lockStock(
  tx: EntityManager,
  item: InventoryItem,
  branchId: string,
): Promise<InventoryStock> {
  const where = { itemId: item.id, branchId };
  const found = await tx.findOne(InventoryStock, where, {
    lockMode: LockMode.PESSIMISTIC_WRITE,
    refresh: true,
  });
  if (found) return found;
  await tx.execute(
    `insert into pos.inventory_stock (id, tenant_id, item_id, branch_id, quantity, value, avg_cost,
        allow_negative, low_stock, created_at, updated_at)
      select ?, ?, ?, ?, 0, 0, 0,
        coalesce((select allow_negative_stock from pos.inventory_settings where tenant_id = ? for share), false),
        false, now(), now()
      on conflict (tenant_id, item_id, branch_id) do nothing`,
    [uuidv7(), item.tenantId, item.id, branchId, item.tenantId],
  );
  return tx.findOneOrFail(InventoryStock, where, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/** What `q` (> 0) units out of `s` are worth: their share of the value, the last ones all of it. */
function valueOut(s: InventoryStock, q: bigint): bigint {
  if (s.quantity >= q) return q === s.quantity ? s.value : divRound(s.value * q, s.quantity);
  const onHand = s.quantity > 0n ? s.quantity : 0n;
  return (onHand > 0n ? s.value : 0n) + divRound((q - onHand) * s.avgCost, SCALE);
}

/** Quantities and values stay safe integers (what every client reads exactly). */
const LIMIT = BigInt(Number.MAX_SAFE_INTEGER);
const tooLarge = (n: bigint) => n > LIMIT || n < -LIMIT;

/** Whether taking `q` (> 0) units leaves the row where its rule allows. */
const covers = (s: InventoryStock, q: bigint) => s.allowNegative || s.quantity >= q;

export interface MovementSpec {
  kind: MovementKind;
  /** Signed thousandths of the base unit. */
  quantity: bigint;
  /** The value an arrival brings (purchase, transfer in, refund); otherwise computed. */
  value?: bigint;
  entered?: { quantity: string; unit: Unit } | undefined;
  unitCost?: bigint | null;
  transferId?: string | null;
  countId?: string | null;
  reference?: string | null;
  note?: string | null;
  /** Where a refusal points (`body.quantity`, `lines.2.quantity`). */
  field?: string;
}

export interface Moved {
  movement: InventoryMovement;
  /** The crossing this movement raised (the row just went at or below the threshold). */
  alert: InventoryAlert | null;
}

const outOfStock = (item: InventoryItem, field?: string) =>
  new DomainError('OUT_OF_STOCK', `Not enough ${item.name} in this branch`, field ? { field } : {});

/** Applies one movement to a locked stock row and writes its kardex line (flushed by the caller). */
export function applyMovement(
  tx: EntityManager,
  item: InventoryItem,
  s: InventoryStock,
  m: MovementSpec,
): Moved {
  if (m.quantity < 0n && !covers(s, -m.quantity)) throw outOfStock(item, m.field);
  const value =
    m.quantity < 0n ? -valueOut(s, -m.quantity) : (m.value ?? divRound(m.quantity * s.avgCost, SCALE));
  const quantity = s.quantity + m.quantity;
  const total = s.value + value;
  if (tooLarge(quantity) || tooLarge(total))
    throw new DomainError(
      'VALIDATION_FAILED',
      'The stock would be too large to keep',
      m.field ? { field: m.field } : {},
    );
  s.quantity = quantity;
  s.value = total;
  if (m.value !== undefined && m.quantity > 0n && s.quantity > 0n) {
    const avg = divRound(s.value * SCALE, s.quantity);
    s.avgCost = avg > 0n ? avg : 0n;
  }
  const movement = tx.create(InventoryMovement, {
    itemId: item.id,
    branchId: s.branchId,
    kind: m.kind,
    quantity: m.quantity,
    value,
    enteredQuantity: m.entered?.quantity ?? null,
    enteredUnit: m.entered?.unit ?? null,
    unitCost: m.unitCost ?? null,
    balanceQuantity: s.quantity,
    balanceValue: s.value,
    avgCost: s.avgCost,
    transferId: m.transferId ?? null,
    countId: m.countId ?? null,
    reference: m.reference ?? null,
    note: m.note ?? null,
  });
  const low = item.lowStockThreshold > 0n && s.quantity <= item.lowStockThreshold;
  let alert: InventoryAlert | null = null;
  if (low && !s.lowStock)
    alert = tx.create(InventoryAlert, {
      itemId: item.id,
      branchId: s.branchId,
      movementId: movement.id,
      quantity: s.quantity,
      threshold: item.lowStockThreshold,
    });
  s.lowStock = low;
  return { movement, alert };
}

/** Moves stock inside `tx`: locks, applies, leaves the flush to the caller. */
async function moveStock(
  tx: EntityManager,
  item: InventoryItem,
  branchId: string,
  m: MovementSpec,
): Promise<Moved> {
  return applyMovement(tx, item, await lockStock(tx, item, branchId), m);
}

// ---------------------------------------------------------------------------------------------
// By hand: purchases, waste, adjustments

export interface ManualMovementInput {
  kind: ManualMovementKind;
  branchId: string;
  /** Decimal in `unit`; signed only for an adjustment. */
  quantity: string;
  unit?: Unit;
  /** A purchase: minor units per `unit` … */
  unitCost?: number;
  /** … or what the whole purchase cost (exactly one of the two). */
  totalCost?: number;
  note?: string;
}

export async function recordMovement(
  em: EntityManager,
  item: InventoryItem,
  input: ManualMovementInput,
): Promise<Moved> {
  const unit = input.unit ?? item.baseUnit;
  const q = toBase(input.quantity, unit, item.baseUnit, 'body.quantity');
  if (q === 0n)
    throw new DomainError('VALIDATION_FAILED', 'A movement moves something', { field: 'body.quantity' });
  let value: bigint | undefined;
  let unitCost: bigint | null = null;
  if (input.kind === 'purchase') {
    if ((input.unitCost === undefined) === (input.totalCost === undefined))
      throw new DomainError('EXACTLY_ONE_REQUIRED', 'A purchase names its unitCost or its totalCost', {
        field: 'body.unitCost',
      });
    if (input.unitCost !== undefined) {
      unitCost = BigInt(input.unitCost);
      value = costOf(input.quantity, unitCost, 'body.quantity');
    } else value = BigInt(input.totalCost!);
  }
  const signed = input.kind === 'waste' ? -q : q;
  return em.transactional(async (tx) => {
    const moved = await moveStock(tx, item, input.branchId, {
      kind: input.kind,
      quantity: signed,
      ...(value !== undefined && { value }),
      entered: { quantity: input.quantity, unit },
      unitCost,
      note: input.note ?? null,
      field: 'body.quantity',
    });
    await tx.flush();
    return moved;
  });
}

// ---------------------------------------------------------------------------------------------
// Transfers

export interface TransferInput {
  fromBranchId: string;
  toBranchId: string;
  quantity: string;
  unit?: Unit;
  note?: string;
}

/**
 * Moves units between two branches as two linked movements in one transaction: `transfer_out` at
 * the source's average share, `transfer_in` with that same value (the destination's average is
 * recomputed). Both rows are locked in branch id order.
 */
export async function transfer(
  em: EntityManager,
  item: InventoryItem,
  input: TransferInput,
): Promise<{ transfer: InventoryTransfer; movements: InventoryMovement[]; alerts: InventoryAlert[] }> {
  if (input.fromBranchId === input.toBranchId)
    throw new DomainError('TRANSFER_SAME_BRANCH', 'A transfer goes to another branch', {
      field: 'body.toBranchId',
    });
  const unit = input.unit ?? item.baseUnit;
  const q = toBase(input.quantity, unit, item.baseUnit, 'body.quantity');
  if (q <= 0n)
    throw new DomainError('VALIDATION_FAILED', 'A transfer moves something', { field: 'body.quantity' });
  return em.transactional(async (tx) => {
    const [first, second] = [input.fromBranchId, input.toBranchId].sort();
    const rows = new Map<string, InventoryStock>();
    rows.set(first!, await lockStock(tx, item, first!));
    rows.set(second!, await lockStock(tx, item, second!));
    const t = tx.create(InventoryTransfer, {
      itemId: item.id,
      fromBranchId: input.fromBranchId,
      toBranchId: input.toBranchId,
      quantity: q,
      value: 0n,
      note: input.note ?? null,
    });
    const entered = { quantity: input.quantity, unit };
    const out = applyMovement(tx, item, rows.get(input.fromBranchId)!, {
      kind: 'transfer_out',
      quantity: -q,
      entered,
      transferId: t.id,
      note: input.note ?? null,
      field: 'body.quantity',
    });
    t.value = -out.movement.value;
    const into = applyMovement(tx, item, rows.get(input.toBranchId)!, {
      kind: 'transfer_in',
      quantity: q,
      value: t.value,
      entered,
      transferId: t.id,
      note: input.note ?? null,
    });
    await tx.flush();
    return {
      transfer: t,
      movements: [out.movement, into.movement],
      alerts: [out.alert, into.alert].filter((a): a is InventoryAlert => !!a),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Orders: deduction at payment, restock at refund

/** A quantity of an item: a decimal in `unit` (default: the item's base unit) or `bigint` thousandths of the base unit. */
export interface StockLine {
  itemId: string;
  quantity: string | bigint;
  unit?: Unit;
}

export interface SaleStockInput {
  branchId: string;
  /** What the deduction belongs to, `order:<id>`: once per reference (a retry finds the first). */
  reference: string;
  lines: StockLine[];
}

export interface StockResult {
  movements: InventoryMovement[];
  alerts: InventoryAlert[];
}

/** The lines' quantities per item in thousandths of its base unit (items in id order). */
async function gather(
  tx: EntityManager,
  lines: StockLine[],
): Promise<Array<{ item: InventoryItem; quantity: bigint; field: string }>> {
  const ids = [...new Set(lines.map((l) => l.itemId))].sort();
  const items = new Map((await tx.find(InventoryItem, { id: { $in: ids } })).map((i) => [i.id, i]));
  const wanted = new Map<string, { quantity: bigint; field: string }>();
  lines.forEach((l, n) => {
    const item = items.get(l.itemId);
    if (!item) throw new DomainError('NOT_FOUND', 'Inventory item not found', { field: `lines.${n}.itemId` });
    const field = `lines.${n}.quantity`;
    const q =
      typeof l.quantity === 'bigint'
        ? l.quantity
        : toBase(l.quantity, l.unit ?? item.baseUnit, item.baseUnit, field);
    if (q <= 0n) throw new DomainError('VALIDATION_FAILED', 'A line takes something', { field });
    const w = wanted.get(item.id);
    wanted.set(item.id, { quantity: (w?.quantity ?? 0n) + q, field: w?.field ?? field });
  });
  return ids.map((id) => ({ item: items.get(id)!, ...wanted.get(id)! }));
}

/**
 * Deducts an order's recipe quantities from the branch's stock, inside the caller's transaction
 * (the order's payment): every line or none. All stock rows are locked (item id order) and checked
 * before anything moves; when any is short the whole call is refused with 409 OUT_OF_STOCK, one
 * error item per short line (`lines.<n>.quantity`), and nothing is written. Once per `reference`:
 * a second call (a retried payment, or a concurrent one: checked again under the rows' locks)
 * returns the first one's movements without deducting again; `inventory_movements_sale_once` is the
 * database's backstop.
 */
export async function deductForSale(em: EntityManager, input: SaleStockInput): Promise<StockResult> {
  return em.transactional(async (tx) => {
    const done = await tx.find(InventoryMovement, { reference: input.reference, kind: 'sale' });
    if (done.length) return { movements: done, alerts: [] };
    const wanted = await gather(tx, input.lines);
    const rows: InventoryStock[] = [];
    for (const w of wanted) rows.push(await lockStock(tx, w.item, input.branchId));
    // A concurrent call of the same reference held these locks first: it deducted, this one returns it.
    const raced = await tx.find(InventoryMovement, { reference: input.reference, kind: 'sale' });
    if (raced.length) return { movements: raced, alerts: [] };
    const short = wanted.filter((w, n) => !covers(rows[n]!, w.quantity));
    if (short.length)
      throw new DomainError('OUT_OF_STOCK', 'Not enough stock in this branch for the order', {
        items: short.map((w) => ({
          code: 'OUT_OF_STOCK' as const,
          message: `Not enough ${w.item.name}: ${formatQuantity(rows[wanted.indexOf(w)]!.quantity)} ${w.item.baseUnit} left`,
          field: w.field,
        })),
      });
    const result: StockResult = { movements: [], alerts: [] };
    wanted.forEach((w, n) => {
      const moved = applyMovement(tx, w.item, rows[n]!, {
        kind: 'sale',
        quantity: -w.quantity,
        reference: input.reference,
        field: w.field,
      });
      result.movements.push(moved.movement);
      if (moved.alert) result.alerts.push(moved.alert);
    });
    await tx.flush();
    return result;
  });
}

export interface RefundStockInput {
  /** The sale's reference (`order:<id>`). */
  reference: string;
  /** What comes back; omitted: everything the sale took that has not come back yet. */
  lines?: StockLine[];
  note?: string;
}

/**
 * Puts a refunded order's units back in the branch its sale took them from, at the value the sale
 * took out (its share for a partial refund, `divRound`; the rest of it for the last units), so a
 * full refund leaves the average as it was. Never more than the sale took, over all the refunds of
 * the reference: 422 RESTOCK_EXCEEDS_SALE (checked under the stock row's lock, so concurrent
 * refunds cannot both pass). A reference with no sale movements restocks nothing.
 */
export async function restockForRefund(em: EntityManager, input: RefundStockInput): Promise<StockResult> {
  return em.transactional(async (tx) => {
    const previous = await tx.find(
      InventoryMovement,
      { reference: input.reference, kind: { $in: ['sale', 'refund'] } },
      { orderBy: { id: 'asc' } },
    );
    const sales = previous.filter((m) => m.kind === 'sale');
    const result: StockResult = { movements: [], alerts: [] };
    if (!sales.length) return result;
    const items = new Map(
      (await tx.find(InventoryItem, { id: { $in: sales.map((m) => m.itemId) } })).map((i) => [i.id, i]),
    );
    const asked = input.lines
      ? await gather(tx, input.lines)
      : [...items.values()]
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((item) => ({ item, quantity: -1n, field: '' }));
    for (const a of asked) {
      const sale = sales.find((m) => m.itemId === a.item.id);
      if (!sale) {
        if (a.quantity < 0n) continue;
        throw new DomainError('RESTOCK_EXCEEDS_SALE', `The sale took no ${a.item.name}`, { field: a.field });
      }
      const row = await lockStock(tx, a.item, sale.branchId);
      // Read again under the lock: a concurrent refund of the same reference may have committed.
      const back = (
        await tx.find(InventoryMovement, { reference: input.reference, kind: 'refund', itemId: a.item.id })
      ).reduce((sum, m) => ({ q: sum.q + m.quantity, v: sum.v + m.value }), { q: 0n, v: 0n });
      const soldQ = -sale.quantity;
      const soldV = -sale.value;
      const left = soldQ - back.q;
      const q = a.quantity < 0n ? left : a.quantity;
      if (q === 0n) continue;
      if (q > left)
        throw new DomainError(
          'RESTOCK_EXCEEDS_SALE',
          `Only ${formatQuantity(left)} ${a.item.baseUnit} of ${a.item.name} can come back`,
          a.field ? { field: a.field } : {},
        );
      const value = q === left ? soldV - back.v : divRound(soldV * q, soldQ);
      const moved = applyMovement(tx, a.item, row, {
        kind: 'refund',
        quantity: q,
        value,
        reference: input.reference,
        note: input.note ?? null,
      });
      result.movements.push(moved.movement);
      if (moved.alert) result.alerts.push(moved.alert);
    }
    await tx.flush();
    return result;
  });
}
