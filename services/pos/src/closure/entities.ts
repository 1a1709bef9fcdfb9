/**
 * The nightly cash closure (`Migration20261209300000_cash_closures`): a branch's closure settings
 * (its closing time and business-date rule; the zone is the branch's `branch_settings`) and one
 * closure per branch and business date, holding the stored report.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';

export const CLOSURE_STATES = ['reporting', 'awaiting_approval', 'closed', 'approved'] as const;
export type ClosureRowState = (typeof CLOSURE_STATES)[number];

export const ClosureSettings = defineEntity({
  name: 'ClosureSettings',
  tableName: 'closure_settings',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid(),
    /** Local `HH:mm` on the branch's clock when the day is closed. */
    closingTime: p.string().length(5),
    /** The venue closes after midnight: business date D is closed at `closingTime` of D + 1. */
    closesNextDay: p.boolean().default(false),
    /** Minutes of waiting for an approval before the reminder, and before the escalation to the owners. */
    remindAfterMinutes: p.integer().default(120),
    escalateAfterMinutes: p.integer().default(720),
    ...auditProperties,
  },
});
export type ClosureSettings = InferEntity<typeof ClosureSettings>;

export const CashClosure = defineEntity({
  name: 'CashClosure',
  tableName: 'cash_closures',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid(),
    /** YYYY-MM-DD. */
    businessDate: p.string().length(10),
    /** The business date's window: [windowFrom, windowTo). */
    windowFrom: p.datetime().columnType('timestamptz'),
    windowTo: p.datetime().columnType('timestamptz'),
    timeZone: p.string().length(64),
    currency: p.string().length(3).nullable(),
    /** The business's locale when it was closed: the PDF's language and formats. */
    locale: p.string().length(35).nullable(),
    state: p.enum(CLOSURE_STATES).default('reporting'),
    workflowId: p.string().length(200),
    /** The stored report (`ClosureReport`, closure/report.ts): null until computed. */
    report: p.json<Record<string, unknown>>().nullable(),
    needsApproval: p.boolean().default(false),
    reportedAt: p.datetime().columnType('timestamptz').nullable(),
    approvedBy: p.uuid().nullable(),
    approvedAt: p.datetime().columnType('timestamptz').nullable(),
    approvalNote: p.string().length(500).nullable(),
    ...auditProperties,
  },
});
export type CashClosure = InferEntity<typeof CashClosure>;

export const closureEntities = [ClosureSettings, CashClosure];
