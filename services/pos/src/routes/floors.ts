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
import { DiningTable, Floor, TABLE_STATUSES, type TableStatus } from '../domain/floor-entities.ts';
import {
  addTable,
  createFloor,
  loadFloor,
  loadTable,
  presentFloor,
  presentTable,
  tablesOf,
  updateFloor,
  updateTable,
  type FloorInput,
  type TableInput,
} from '../domain/floors.ts';
import { announceTables } from '../domain/order-events.ts';
import { em, iso, params, text } from './common.ts';

const tableOut = Joi.object({
  id: uuid.required(),
  floorId: uuid.required(),
  branchId: uuid.required(),
  name: Joi.string().required(),
  seats: Joi.number().integer().required(),
  status: Joi.string()
    .valid(...TABLE_STATUSES)
    .required(),
  active: Joi.boolean().required(),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});
const floorOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  name: Joi.string().required(),
  position: Joi.number().integer().required(),
  active: Joi.boolean().required(),
  tables: Joi.array().items(tableOut).required(),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

const floorFields = {
  name: text(60),
  position: Joi.number().integer().min(0).max(10_000),
  active: Joi.boolean(),
};
/** By hand a table is `available` or `out_of_service`; `occupied` follows its open orders (422). */
const tableFields = {
  name: text(40),
  seats: Joi.number().integer().min(1).max(100),
  status: Joi.string().valid(...TABLE_STATUSES),
  active: Joi.boolean(),
};

/**
 * Floors and tables of a branch: read with `floors.read` (waiters, cashiers, managers), kept with
 * `floors.manage` (managers), both in the record's branch (another branch's is 404).
 */
export function floorRoutes(deps: PosDeps): Route[] {
  const { guard } = deps;
  const floorIn = async (ctx: Context, permission: string, id: string) => {
    const f = await loadFloor(em(), id);
    if (!coversBranch(ctx, permission, f.branchId)) throw notFound('Floor');
    return f;
  };
  const tableIn = async (ctx: Context, permission: string, id: string) => {
    const t = await loadTable(em(), id);
    if (!coversBranch(ctx, permission, t.branchId)) throw notFound('Table');
    return t;
  };
  const withTables = async (f: Floor) => presentFloor(f, await tablesOf(em(), [f]));

  return [
    defineRoute({
      method: 'post',
      path: '/floors',
      summary: 'Add a floor (Salón, Terraza) to a branch (name unique per branch)',
      tags: ['floors'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('floors.manage', { body: 'branchId' })],
      schemas: {
        body: Joi.object<FloorInput>({
          branchId: uuid.required(),
          ...floorFields,
          name: floorFields.name.required(),
        }).required(),
        response: floorOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { branches: { 'body.branchId': input.body.branchId } });
        const f = await createFloor(em(), input.body);
        return reply(await withTables(f), {
          status: 201,
          headers: { Location: `${BASE_PATH}/floors/${f.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/floors',
      summary: "The floors of the caller's branches, with their tables, newest first",
      tags: ['floors'],
      auth: true,
      middleware: [guard.requirePermission('floors.read', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string; active?: boolean }>({
          ...paginationQuery,
          branchId: uuid,
          active: Joi.boolean(),
        }),
        response: Joi.array().items(floorOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = { ...branchFilter(ctx, 'floors.read') };
        if (q.branchId) where.$and = [{ branchId: q.branchId }];
        if (q.active !== undefined) where.active = q.active;
        const { items, meta } = await findPage(em(), Floor, where, q);
        const tables = await tablesOf(em(), items);
        return reply(
          items.map((f) => presentFloor(f, tables)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/floors/:id',
      summary: 'One floor with its tables',
      tags: ['floors'],
      auth: true,
      middleware: [guard.requirePermission('floors.read', 'records')],
      schemas: { params, response: floorOut },
      handler: async (ctx, input) => withTables(await floorIn(ctx, 'floors.read', input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/floors/:id',
      summary: 'Change a floor (name, position, active)',
      tags: ['floors'],
      auth: true,
      middleware: [guard.requirePermission('floors.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<Partial<Omit<FloorInput, 'branchId'>>>(floorFields).min(1).required(),
        response: floorOut,
      },
      handler: async (ctx, input) =>
        withTables(await updateFloor(em(), await floorIn(ctx, 'floors.manage', input.params.id), input.body)),
    }),
    defineRoute({
      method: 'post',
      path: '/floors/:id/tables',
      summary: 'Add a table to a floor (name unique per branch)',
      tags: ['floors'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('floors.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<TableInput>({
          ...tableFields,
          name: tableFields.name.required(),
          seats: tableFields.seats.required(),
        }).required(),
        response: tableOut,
      },
      handler: async (ctx, input) => {
        const t = await addTable(em(), await floorIn(ctx, 'floors.manage', input.params.id), input.body);
        return reply(presentTable(t), { status: 201, headers: { Location: `${BASE_PATH}/tables/${t.id}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tables',
      summary: "The tables of the caller's branches, newest first",
      tags: ['floors'],
      auth: true,
      middleware: [guard.requirePermission('floors.read', 'records')],
      schemas: {
        query: Joi.object<{
          limit: number;
          cursor?: string;
          branchId?: string;
          floorId?: string;
          status?: TableStatus;
        }>({
          ...paginationQuery,
          branchId: uuid,
          floorId: uuid,
          status: Joi.string().valid(...TABLE_STATUSES),
        }),
        response: Joi.array().items(tableOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = { ...branchFilter(ctx, 'floors.read') };
        if (q.branchId) where.$and = [{ branchId: q.branchId }];
        if (q.floorId) where.floorId = q.floorId;
        if (q.status) where.status = q.status;
        const { items, meta } = await findPage(em(), DiningTable, where, q);
        return reply(items.map(presentTable), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tables/:id',
      summary: 'One table',
      tags: ['floors'],
      auth: true,
      middleware: [guard.requirePermission('floors.read', 'records')],
      schemas: { params, response: tableOut },
      handler: async (ctx, input) => presentTable(await tableIn(ctx, 'floors.read', input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/tables/:id',
      summary: 'Change a table (name, seats, floor within its branch, out of service, active)',
      tags: ['floors'],
      auth: true,
      middleware: [guard.requirePermission('floors.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<Partial<TableInput>>({ ...tableFields, floorId: uuid })
          .min(1)
          .required(),
        response: tableOut,
      },
      handler: async (ctx, input) => {
        const t = await updateTable(em(), await tableIn(ctx, 'floors.manage', input.params.id), input.body);
        await announceTables(deps, em(), [t.id]);
        return presentTable(t);
      },
    }),
  ];
}
