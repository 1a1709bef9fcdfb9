import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow v2: a job whose payment failed (`payment_failed`) can be paid again (`attempt` names the
 * escrow run: attempt n > 1 runs as `escrow/<tenant>/<offer>/<n>`), and the payout's commission is
 * stored beside its gross amount.
 */
export class Migration20261201090000_escrow_v2 extends Migration {
  override name = 'Migration20261201090000_escrow_v2';

  override up(): void | Promise<void> {
    const statuses = `('awaiting_payment', 'in_progress', 'completed_by_professional', 'approved', 'paid_out', 'disputed', 'resolved', 'cancelled', 'payment_failed')`;
    this.addSql(`alter table "marketplace"."jobs" drop constraint "jobs_status_check";`);
    this.addSql(
      `alter table "marketplace"."jobs" add constraint "jobs_status_check" check ("status" in ${statuses});`,
    );
    this.addSql(`alter table "marketplace"."job_events" drop constraint "job_events_status_check";`);
    this.addSql(
      `alter table "marketplace"."job_events" add constraint "job_events_status_check" check ("status" in ${statuses});`,
    );
    this.addSql(`alter table "marketplace"."jobs" add column "attempt" int not null default 1;`);
    this.addSql(`alter table "marketplace"."jobs" add column "commission_amount" bigint null;`);
  }

  override down(): void | Promise<void> {
    const statuses = `('awaiting_payment', 'in_progress', 'completed_by_professional', 'approved', 'paid_out', 'disputed', 'resolved', 'cancelled')`;
    this.addSql(`alter table "marketplace"."jobs" drop column "commission_amount";`);
    this.addSql(`alter table "marketplace"."jobs" drop column "attempt";`);
    this.addSql(`alter table "marketplace"."job_events" drop constraint "job_events_status_check";`);
    this.addSql(
      `alter table "marketplace"."job_events" add constraint "job_events_status_check" check ("status" in ${statuses});`,
    );
    this.addSql(`alter table "marketplace"."jobs" drop constraint "jobs_status_check";`);
    this.addSql(
      `alter table "marketplace"."jobs" add constraint "jobs_status_check" check ("status" in ${statuses});`,
    );
  }
}
