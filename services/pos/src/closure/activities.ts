/**
 * The POS activities of the nightly cash closure (workflows/src/cash-closure), served by the POS
 * worker on the `pos` queue; each runs in the tenant's context through `inTenantActivity`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { inTenantActivity, type Logger, type Orm } from '@faena/platform';
import type { CashClosurePosActivities } from '@faena/workflows/cash-closure/contract';
import { beginClosure, closureDates, finishClosure, loadClosure, storeClosureReport } from './domain.ts';
import { closureAttachments, type ClosureReport } from './report.ts';

export function closureActivities(deps: { orm: Orm; logger: Logger }) {
  const inTenant = <T>(tenantId: string, fn: (em: EntityManager) => Promise<T>) =>
    inTenantActivity(deps.orm, tenantId, fn);
  return {
    async closureDates(input) {
      return inTenant(input.tenantId, async (em) => ({
        dates: await closureDates(em, input.branchId, new Date(input.at)),
      }));
    },
    async beginClosure(input) {
      return inTenant(input.tenantId, (em) => beginClosure(em, input));
    },
    async storeClosureReport(input) {
      return inTenant(input.tenantId, async (em) => {
        const r = await storeClosureReport(em, input.tenantId, input);
        const currency = r.sales.currency;
        return {
          needsApproval: r.needsApproval,
          sessionsNeedingCount: r.sessionsNeedingCount,
          sales: { amount: r.sales.totals.sales, currency },
          difference: { amount: r.differences.absolute, currency },
        };
      });
    },
    async closureAttachments(input) {
      return inTenant(input.tenantId, async (em) => {
        const c = await loadClosure(em, input.closureId);
        return closureAttachments(c.report as unknown as ClosureReport, c.locale ?? 'es');
      });
    },
    async finishClosure(input) {
      await inTenant(input.tenantId, (em) => finishClosure(em, input));
    },
  } satisfies CashClosurePosActivities;
}
