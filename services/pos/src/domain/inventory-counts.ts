/**
 * Physical counts: a count document per branch collects what was counted of each item while it is
 * `open` (a line per item, replaced when counted again); posting it — once — writes each
 * difference against the stock at that moment as a `count` movement of the kardex (at the average
 * cost, see inventory.ts), records the expected quantity and the difference on the line, and makes
 * the document `posted` for good. An open count may be cancelled instead.
 *
 * Once: posting is a conditional `update … set status = 'posted' where status = 'open'`, so two
 * concurrent posts write the differences once; the other is 409 INVALID_STATE_TRANSITION. Items
 * are posted in id order (their stock rows locked like every movement).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import { InventoryItem, StockCount, StockCountLine, type InventoryAlert } from './inventory-entities.ts';
import { applyMovement, lockStock } from './inventory.ts';
import { formatQuantity, toBase, type Unit } from './inventory-units.ts';

export const presentCount = (c: StockCount, lines: StockCountLine[], items: Map<string, InventoryItem>) => ({
  id: c.id,
  branchId: c.branchId,
  status: c.status,
  note: c.note ?? null,
  lines: lines
    .filter((l) => l.countId === c.id)
    .map((l) => {
      const item = items.get(l.itemId)!;
      return {
        itemId: l.itemId,
        itemName: item.name,
        unit: item.baseUnit,
        counted: formatQuantity(l.counted),
        expected: l.expected === null || l.expected === undefined ? null : formatQuantity(l.expected),
        difference: l.difference === null || l.difference === undefined ? null : formatQuantity(l.difference),
        movementId: l.movementId ?? null,
      };
    }),
  postedAt: c.postedAt?.toISOString() ?? null,
  postedBy: c.postedBy ?? null,
  createdAt: c.createdAt.toISOString(),
  createdBy: c.createdBy ?? null,
});

/** A count with its lines and their items, ready for `presentCount`. */
export async function countView(em: EntityManager, c: StockCount) {
  const lines = await em.find(StockCountLine, { countId: c.id }, { orderBy: { itemId: 'asc' } });
  const items = lines.length ? await em.find(InventoryItem, { id: { $in: lines.map((l) => l.itemId) } }) : [];
  return presentCount(c, lines, new Map(items.map((i) => [i.id, i])));
}

export async function loadCount(em: EntityManager, id: string): Promise<StockCount> {
  const c = await em.findOne(StockCount, { id });
  if (!c) throw notFound('Stock count');
  return c;
}

const notOpen = (c: StockCount) =>
  new DomainError('INVALID_STATE_TRANSITION', `The count is ${c.status}: only an open count changes`);

export async function openCount(
  em: EntityManager,
  input: { branchId: string; note?: string },
): Promise<StockCount> {
  const c = em.create(StockCount, { branchId: input.branchId, note: input.note ?? null });
  await em.flush();
  return c;
}

/** Records what was counted (a decimal in `unit`, default the item's base unit; >= 0) of each item. */
export async function countLines(
  em: EntityManager,
  c: StockCount,
  lines: Array<{ itemId: string; quantity: string; unit?: Unit }>,
): Promise<void> {
  if (c.status !== 'open') throw notOpen(c);
  const items = new Map(
    (await em.find(InventoryItem, { id: { $in: lines.map((l) => l.itemId) } })).map((i) => [i.id, i]),
  );
  // One line per item (a schema cannot say it): the same item twice in one request is refused.
  const seen = new Set<string>();
  const counted = lines.map((l, n) => {
    if (seen.has(l.itemId))
      throw new DomainError('DUPLICATE_LINE', 'Each item is counted once per request', {
        field: `body.lines.${n}.itemId`,
      });
    seen.add(l.itemId);
    const item = items.get(l.itemId);
    if (!item)
      throw new DomainError('NOT_FOUND', 'Inventory item not found', { field: `body.lines.${n}.itemId` });
    const field = `body.lines.${n}.quantity`;
    const q = toBase(l.quantity, l.unit ?? item.baseUnit, item.baseUnit, field);
    if (q < 0n) throw new DomainError('VALIDATION_FAILED', 'A count is zero or more', { field });
    return { itemId: item.id, q };
  });
  await em.transactional(async (tx) => {
    const open = await tx.nativeUpdate(StockCount, { id: c.id, status: 'open' }, { updatedAt: new Date() });
    if (open !== 1) throw notOpen(c);
    const existing = new Map(
      (await tx.find(StockCountLine, { countId: c.id })).map((l) => [l.itemId, l] as const),
    );
    for (const { itemId, q } of counted) {
      const line = existing.get(itemId);
      if (line) line.counted = q;
      else existing.set(itemId, tx.create(StockCountLine, { countId: c.id, itemId, counted: q }));
    }
    await tx.flush();
  });
}

/** Posts the count's differences to the kardex, once; see the file's comment. */
export async function postCount(
  em: EntityManager,
  c: StockCount,
  userId: string,
): Promise<{ count: StockCount; alerts: InventoryAlert[] }> {
  const alerts: InventoryAlert[] = [];
  await em.transactional(async (tx) => {
    const posted = await tx.nativeUpdate(
      StockCount,
      { id: c.id, status: 'open' },
      { status: 'posted', postedAt: new Date(), postedBy: userId },
    );
    if (posted !== 1) throw notOpen(await tx.findOneOrFail(StockCount, { id: c.id }, { refresh: true }));
    const lines = await tx.find(StockCountLine, { countId: c.id }, { orderBy: { itemId: 'asc' } });
    const items = new Map(
      (await tx.find(InventoryItem, { id: { $in: lines.map((l) => l.itemId) } })).map((i) => [i.id, i]),
    );
    for (const line of lines) {
      const item = items.get(line.itemId)!;
      const row = await lockStock(tx, item, c.branchId);
      line.expected = row.quantity;
      line.difference = line.counted - row.quantity;
      if (line.difference === 0n) continue;
      const moved = applyMovement(tx, item, row, {
        kind: 'count',
        quantity: line.difference,
        countId: c.id,
        note: c.note ?? null,
      });
      line.movementId = moved.movement.id;
      if (moved.alert) alerts.push(moved.alert);
    }
    await tx.flush();
  });
  return { count: await em.findOneOrFail(StockCount, { id: c.id }, { refresh: true }), alerts };
}
