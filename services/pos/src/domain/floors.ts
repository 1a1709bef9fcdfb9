/**
 * Floors and tables of a branch. A table's status is stored (`available | occupied |
 * out_of_service`, a CHECK): by hand only `available` and `out_of_service` are set (422
 * TABLE_STATUS_DERIVED for `occupied`); `occupied` is the orders part's to set from the table's open
 * orders, in the transaction that opens or closes one.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, isUniqueViolation, notFound } from '@faena/platform';
import { DiningTable, Floor, type TableStatus } from './floor-entities.ts';

export interface FloorInput {
  branchId: string;
  name: string;
  position?: number;
  active?: boolean;
}
export interface TableInput {
  name: string;
  seats: number;
  status?: TableStatus;
  active?: boolean;
  floorId?: string;
}

async function flushNamed(em: EntityManager, constraint: string, what: string): Promise<void> {
  try {
    await em.flush();
  } catch (err) {
    if (isUniqueViolation(err, constraint))
      throw new DomainError('ALREADY_EXISTS', `${what} already exists with that name in this branch`, {
        field: 'body.name',
      });
    throw err;
  }
}

export const presentTable = (t: DiningTable) => ({
  id: t.id,
  floorId: t.floorId,
  branchId: t.branchId,
  name: t.name,
  seats: t.seats,
  status: t.status,
  active: t.active,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

export const presentFloor = (f: Floor, tables: DiningTable[]) => ({
  id: f.id,
  branchId: f.branchId,
  name: f.name,
  position: f.position,
  active: f.active,
  tables: tables.filter((t) => t.floorId === f.id).map(presentTable),
  createdAt: f.createdAt.toISOString(),
  updatedAt: f.updatedAt.toISOString(),
});

export const tablesOf = (em: EntityManager, floors: Floor[]) =>
  floors.length
    ? em.find(DiningTable, { floorId: { $in: floors.map((f) => f.id) } }, { orderBy: { name: 'asc' } })
    : Promise.resolve([]);

export async function createFloor(em: EntityManager, input: FloorInput): Promise<Floor> {
  const f = em.create(Floor, input);
  await flushNamed(em, 'floors_name_unique', 'A floor');
  return f;
}

export async function updateFloor(em: EntityManager, f: Floor, input: Partial<Omit<FloorInput, 'branchId'>>) {
  em.assign(f, input);
  await flushNamed(em, 'floors_name_unique', 'A floor');
  return f;
}

const derived = () =>
  new DomainError('TABLE_STATUS_DERIVED', 'A table is occupied by its open orders, not by hand', {
    field: 'body.status',
  });

export async function addTable(em: EntityManager, f: Floor, input: TableInput): Promise<DiningTable> {
  if (input.status === 'occupied') throw derived();
  const t = em.create(DiningTable, { ...input, floorId: f.id, branchId: f.branchId });
  await flushNamed(em, 'dining_tables_name_unique', 'A table');
  return t;
}

/** Changes a table; moving it to another floor keeps it in its branch (another branch's floor is 422). */
export async function updateTable(em: EntityManager, t: DiningTable, input: Partial<TableInput>) {
  if (input.status === 'occupied') throw derived();
  if (input.floorId && input.floorId !== t.floorId) {
    const to = await em.findOne(Floor, { id: input.floorId, branchId: t.branchId });
    if (!to)
      throw new DomainError('UNKNOWN_REFERENCE', "No such floor in the table's branch", {
        field: 'body.floorId',
      });
  }
  em.assign(t, input);
  await flushNamed(em, 'dining_tables_name_unique', 'A table');
  return t;
}

export async function loadFloor(em: EntityManager, id: string): Promise<Floor> {
  const f = await em.findOne(Floor, { id });
  if (!f) throw notFound('Floor');
  return f;
}

export async function loadTable(em: EntityManager, id: string): Promise<DiningTable> {
  const t = await em.findOne(DiningTable, { id });
  if (!t) throw notFound('Table');
  return t;
}
