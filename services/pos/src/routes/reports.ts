import Joi from 'joi';
import type { Context } from 'koa';
import { authOf, defineRoute, reply, uuid, type Route } from '@faena/platform';
import type { PosDeps } from '../deps.ts';
import {
  DEFAULT_TOP,
  MAX_REPORT_DAYS,
  MAX_TOP,
  REPORT_SECTIONS,
  presentSalesReport,
  salesReport,
  salesReportCsv,
  type ReportSection,
} from '../domain/reports.ts';
import { em, tenant } from './common.ts';
import { salesReportOut } from './reports-responses.ts';

/** A business day, `YYYY-MM-DD` (one not on the calendar, like 2026-02-30, is 422 INVALID_RANGE). */
const day = Joi.string()
  .pattern(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/)
  .description("calendar day in the branch's zone, YYYY-MM-DD");

interface ReportQuery {
  branchId: string;
  from: string;
  to: string;
  top: number;
}
const reportQuery = {
  branchId: uuid.required(),
  from: day.required().description("first business day, in the branch's zone"),
  to: day
    .required()
    .description(
      `last business day, inclusive (422 INVALID_RANGE before from or more than ${MAX_REPORT_DAYS} days after it)`,
    ),
  top: Joi.number()
    .integer()
    .min(1)
    .max(MAX_TOP)
    .default(DEFAULT_TOP)
    .description('length of each top-products list'),
};

/**
 * Sales reports of a branch (`reports.read` in the branch the query names: a branch manager reads
 * only theirs, another branch is 403 before anything is read), as JSON or one section as CSV.
 */
/** The report's branch is the query's `branchId` (the grant's scope). */
const BRANCH_IN_QUERY = { ['query' as const]: 'branchId' };

export function reportRoutes(deps: PosDeps): Route[] {
  const { guard } = deps;
  const report = async (ctx: Context, q: ReportQuery) => {
    const { currency } = await guard.members(authOf(ctx), {});
    return salesReport(em(), { tenantId: tenant(ctx), currency, ...q });
  };
  return [
    defineRoute({
      method: 'get',
      path: '/reports/sales',
      summary:
        "A branch's sales over business days of its zone: totals, by day, hour, product, category, waiter and payment method, top products, cancellations, discounts and tips (minor units)",
      tags: ['reports'],
      auth: true,
      middleware: [guard.requirePermission('reports.read', BRANCH_IN_QUERY)],
      schemas: { query: Joi.object<ReportQuery>(reportQuery), response: salesReportOut },
      handler: async (ctx, input) => presentSalesReport(await report(ctx, input.query)),
    }),
    defineRoute({
      method: 'get',
      path: '/reports/sales.csv',
      summary:
        'One section of the same report as CSV (a header row, stable column names, amounts as integer minor units)',
      produces: { contentType: 'text/csv' },
      tags: ['reports'],
      auth: true,
      middleware: [guard.requirePermission('reports.read', BRANCH_IN_QUERY)],
      schemas: {
        query: Joi.object<ReportQuery & { section: ReportSection }>({
          ...reportQuery,
          section: Joi.string()
            .valid(...REPORT_SECTIONS)
            .required(),
        }),
      },
      handler: async (ctx, input) => {
        const { section, ...q } = input.query;
        const r = await report(ctx, q);
        return reply(salesReportCsv(r, section), {
          raw: true,
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': `attachment; filename="sales-${section}-${r.from}-${r.to}.csv"`,
          },
        });
      },
    }),
  ];
}
