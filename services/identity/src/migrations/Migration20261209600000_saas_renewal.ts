import { Migration } from '@mikro-orm/migrations';

/**
 * The SaaS plan's subscription renewed by the `renewal` workflow (issue 18), identity the seller:
 * - `subscription_status` gains `suspended`: every try of a renewal went unpaid and the business is
 *   suspended until the open checkout is paid (the payment reactivates it);
 * - `period_start`: the first day of the current trial or paid period (pro-ration counts from it);
 * - `renewal_cycle`: the cycle the next charge pays for (1 after the trial), bumped once per paid
 *   cycle; the payments idempotency keys are made of it, so a chain started again never charges
 *   a paid cycle twice;
 * - `renewal_started_at`: when the renewal chain of the current subscription was started (null:
 *   not yet — the identity worker's sweeper starts it);
 * - `suspended_by`: who suspended the business (`billing` or `operator`): a payment reactivates a
 *   business only when billing suspended it, never one a platform operator suspended.
 */
export class Migration20261209600000_saas_renewal extends Migration {
  override name = 'Migration20261209600000_saas_renewal';

  override up(): void | Promise<void> {
    this.addSql(`alter table "identity"."tenants" drop constraint "tenants_subscription_status_check";`);
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_subscription_status_check" check ("subscription_status" in ('none', 'trialing', 'active', 'past_due', 'suspended'));`,
    );
    this.addSql(
      `alter table "identity"."tenants" add column "period_start" date null, add column "renewal_cycle" int not null default 1, add column "renewal_started_at" timestamptz null, add column "suspended_by" text null;`,
    );
    this.addSql(
      `update "identity"."tenants" set "period_start" = ("period_end" - interval '1 month')::date where "period_end" is not null;`,
    );
    this.addSql(`update "identity"."tenants" set "suspended_by" = 'operator' where "status" = 'suspended';`);
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_suspended_by_check" check ("suspended_by" is null or "suspended_by" in ('billing', 'operator'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "identity"."tenants" drop constraint "tenants_suspended_by_check";`);
    this.addSql(
      `alter table "identity"."tenants" drop column "period_start", drop column "renewal_cycle", drop column "renewal_started_at", drop column "suspended_by";`,
    );
    this.addSql(
      `update "identity"."tenants" set "subscription_status" = 'past_due' where "subscription_status" = 'suspended';`,
    );
    this.addSql(`alter table "identity"."tenants" drop constraint "tenants_subscription_status_check";`);
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_subscription_status_check" check ("subscription_status" in ('none', 'trialing', 'active', 'past_due'));`,
    );
  }
}
