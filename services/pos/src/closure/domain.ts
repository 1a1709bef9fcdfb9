/**
 * The nightly cash closure in POS: a branch's closure settings (closing time and business-date
 * rule, on the zone of its `branch_settings`), the closure rows the process writes (one per branch
 * and business date) and their stored report. Every rule and query of the closure lives here; the
 * process's activities (activities.ts) and the routes (routes.ts) call these.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, isErrnoException, notFound } from '@faena/platform';
import type { ClosurePlan, ClosureSession } from '@faena/workflows/cash-closure/contract';
import { branchSettings } from '../domain/menu.ts';
import { presentSalesReport, reportPeriod, salesReport } from '../domain/reports.ts';
import { closureDueBy, dueDates, type ClosureClock } from './calendar.ts';
import { CashClosure, ClosureSettings, type ClosureRowState } from './entities.ts';
import { buildClosureReport, type ClosureReport } from './report.ts';

export interface ClosureSettingsInput {
  closingTime: string;
  closesNextDay?: boolean;
  remindAfterMinutes?: number;
  escalateAfterMinutes?: number;
}

const isUniqueViolation = (err: unknown, constraint: string) =>
  isErrnoException(err) && err.code === '23505' && err.message.includes(constraint);

/** The branch's closure settings, or 404 when it has none. */
export async function closureSettings(em: EntityManager, branchId: string): Promise<ClosureSettings> {
  const s = await em.findOne(ClosureSettings, { branchId });
  if (!s) throw notFound('Closure settings');
  return s;
}

/**
 * Sets the branch's closure settings (the branch's zone must be set: 422 BRANCH_NOT_CONFIGURED).
 * The reminder must come before the escalation (422 INVALID_RANGE on `escalateAfterMinutes`): a
 * rule between two fields, so the domain's, not the schema's.
 */
export async function setClosureSettings(
  em: EntityManager,
  branchId: string,
  input: ClosureSettingsInput,
): Promise<{ settings: ClosureSettings; timeZone: string }> {
  const { timeZone } = await branchSettings(em, branchId);
  const s =
    (await em.findOne(ClosureSettings, { branchId })) ??
    em.create(ClosureSettings, { branchId, closingTime: input.closingTime });
  Object.assign(s, {
    closingTime: input.closingTime,
    ...(input.closesNextDay !== undefined && { closesNextDay: input.closesNextDay }),
    ...(input.remindAfterMinutes !== undefined && { remindAfterMinutes: input.remindAfterMinutes }),
    ...(input.escalateAfterMinutes !== undefined && { escalateAfterMinutes: input.escalateAfterMinutes }),
  });
  if (s.remindAfterMinutes >= s.escalateAfterMinutes)
    throw new DomainError(
      'INVALID_RANGE',
      `The escalation (${s.escalateAfterMinutes} min) must come after the reminder (${s.remindAfterMinutes} min)`,
      { field: 'body.escalateAfterMinutes' },
    );
  try {
    await em.flush();
  } catch (err) {
    if (isUniqueViolation(err, 'closure_settings_branch_unique'))
      throw new DomainError('CONFLICT', "The branch's closure settings were set concurrently: try again");
    throw err;
  }
  return { settings: s, timeZone };
}

/** The branch's closure clock, or null when it has no closure settings or zone. */
export async function closureClock(em: EntityManager, branchId: string): Promise<ClosureClock | null> {
  const s = await em.findOne(ClosureSettings, { branchId });
  if (!s) return null;
  try {
    const { timeZone } = await branchSettings(em, branchId);
    return { timeZone, closingTime: s.closingTime, closesNextDay: s.closesNextDay };
  } catch (err) {
    if (err instanceof DomainError && err.code === 'BRANCH_NOT_CONFIGURED') return null;
    throw err;
  }
}

/** The business dates a firing at `at` closes (calendar.ts `dueDates`); none without settings. */
export async function closureDates(em: EntityManager, branchId: string, at: Date): Promise<string[]> {
  const clock = await closureClock(em, branchId);
  if (!clock) return [];
  const last = await em.findOne(CashClosure, { branchId }, { orderBy: { businessDate: 'desc' } });
  return dueDates(at, clock, last?.businessDate ?? null);
}

const notConfigured = () =>
  new DomainError(
    'BRANCH_NOT_CONFIGURED',
    'The branch has no closure settings or time zone (PUT /branches/:branchId/closure-settings)',
  );

/**
 * The closure row of `(branch, date)`, created once (the unique `(tenant, branch, date)` is the
 * backstop of the process's id), and the process's plan for it.
 */
export async function beginClosure(
  em: EntityManager,
  input: { branchId: string; businessDate: string; workflowId: string; locale: string; currency: string },
): Promise<ClosurePlan> {
  const clock = await closureClock(em, input.branchId);
  const settings = await em.findOne(ClosureSettings, { branchId: input.branchId });
  if (!clock || !settings) throw notConfigured();
  const { start, end } = reportPeriod(input.businessDate, input.businessDate, clock.timeZone);
  let closure = await em.findOne(CashClosure, { branchId: input.branchId, businessDate: input.businessDate });
  if (!closure) {
    try {
      closure = em.create(CashClosure, {
        branchId: input.branchId,
        businessDate: input.businessDate,
        windowFrom: start,
        windowTo: end,
        timeZone: clock.timeZone,
        currency: input.currency,
        locale: input.locale,
        workflowId: input.workflowId,
      });
      await em.flush();
    } catch (err) {
      if (!isUniqueViolation(err, 'cash_closures_date_unique')) throw err;
      em.clear();
      closure = await em.findOneOrFail(CashClosure, {
        branchId: input.branchId,
        businessDate: input.businessDate,
      });
    }
  }
  return {
    closureId: closure.id,
    timeZone: closure.timeZone,
    currency: input.currency,
    locale: input.locale,
    from: closure.windowFrom.toISOString(),
    to: closure.windowTo.toISOString(),
    dueBy: closureDueBy(input.businessDate, clock).toISOString(),
    remindAfterMinutes: settings.remindAfterMinutes,
    escalateAfterMinutes: settings.escalateAfterMinutes,
  };
}

export async function loadClosure(em: EntityManager, id: string): Promise<CashClosure> {
  const c = await em.findOne(CashClosure, { id });
  if (!c) throw notFound('Closure');
  return c;
}

/**
 * Computes the report of the closure's date (the sales report of domain/reports.ts for that one
 * day, and the sessions payments gave) and stores it. Once reported, the stored report stands: a
 * retry answers it again.
 */
export async function storeClosureReport(
  em: EntityManager,
  tenantId: string,
  input: { closureId: string; sessions: ClosureSession[]; approvalThreshold: string },
): Promise<ClosureReport> {
  const closure = await loadClosure(em, input.closureId);
  if (closure.report && closure.state !== 'reporting') return closure.report as unknown as ClosureReport;
  const sales = await salesReport(em, {
    tenantId,
    branchId: closure.branchId,
    from: closure.businessDate,
    to: closure.businessDate,
    currency: closure.currency ?? 'XXX',
  });
  const report = buildClosureReport({
    businessDate: closure.businessDate,
    sales: presentSalesReport(sales),
    sessions: input.sessions,
    approvalThreshold: input.approvalThreshold,
  });
  closure.report = report as unknown as Record<string, unknown>;
  closure.needsApproval = report.needsApproval;
  closure.reportedAt ??= new Date();
  await em.flush();
  return report;
}

/** Moves the closure to its state once; an approval names its approver. A repeat changes nothing. */
export async function finishClosure(
  em: EntityManager,
  input: {
    closureId: string;
    state: Exclude<ClosureRowState, 'reporting'>;
    approval?: { userId: string; note: string };
  },
): Promise<CashClosure> {
  const c = await loadClosure(em, input.closureId);
  if (c.state === input.state || c.state === 'approved' || c.state === 'closed') return c;
  c.state = input.state;
  if (input.state === 'approved' && input.approval)
    Object.assign(c, {
      approvedBy: input.approval.userId,
      approvedAt: new Date(),
      approvalNote: input.approval.note,
    });
  await em.flush();
  return c;
}

export const presentClosureSettings = (s: ClosureSettings, timeZone: string) => ({
  branchId: s.branchId,
  closingTime: s.closingTime,
  closesNextDay: s.closesNextDay,
  timeZone,
  remindAfterMinutes: s.remindAfterMinutes,
  escalateAfterMinutes: s.escalateAfterMinutes,
  updatedAt: s.updatedAt.toISOString(),
});

export const presentClosure = (c: CashClosure, withReport: boolean) => ({
  id: c.id,
  branchId: c.branchId,
  businessDate: c.businessDate,
  state: c.state,
  timeZone: c.timeZone,
  windowFrom: c.windowFrom.toISOString(),
  windowTo: c.windowTo.toISOString(),
  needsApproval: c.needsApproval,
  reportedAt: c.reportedAt?.toISOString() ?? null,
  approvedBy: c.approvedBy ?? null,
  approvedAt: c.approvedAt?.toISOString() ?? null,
  approvalNote: c.approvalNote ?? null,
  workflowId: c.workflowId,
  ...(withReport && { report: c.report ?? null }),
});
