import { Migration } from '@mikro-orm/migrations';

/**
 * Café SaaS plans (issue 18): a business's plan is one of the catalog's (`PLAN_NAMES` in
 * @faena/platform/plans.ts) and carries its subscription's state:
 * - `subscription_status`: `none` (the free plan: nothing to pay), `trialing` (until `period_end`),
 *   `active` (paid until `period_end`), `past_due` (the renewal was declined: dunning, then the
 *   grace period, then suspension);
 * - `period_end`: the first day the current period (trial or paid) does not cover, in the
 *   business's zone;
 * - `pending_plan`: a downgrade decided for the period's end (applied then, if usage still fits).
 * A paid plan always has a subscription and a period end; the free plan never does.
 */
export class Migration20261209500000_saas_plans extends Migration {
  override name = 'Migration20261209500000_saas_plans';

  override up(): void | Promise<void> {
    this.addSql(
      `update "identity"."tenants" set "plan" = 'free' where "plan" not in ('free', 'basic', 'pro');`,
    );
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_plan_check" check ("plan" in ('free', 'basic', 'pro'));`,
    );
    this.addSql(
      `alter table "identity"."tenants" add column "subscription_status" text not null default 'none', add column "period_end" date null, add column "pending_plan" varchar(32) null;`,
    );
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_subscription_status_check" check ("subscription_status" in ('none', 'trialing', 'active', 'past_due'));`,
    );
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_pending_plan_check" check ("pending_plan" is null or ("pending_plan" in ('free', 'basic', 'pro') and "pending_plan" <> "plan"));`,
    );
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_subscription_check" check (("plan" = 'free') = ("subscription_status" = 'none') and ("subscription_status" = 'none') = ("period_end" is null));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "identity"."tenants" drop constraint "tenants_subscription_check";`);
    this.addSql(`alter table "identity"."tenants" drop constraint "tenants_pending_plan_check";`);
    this.addSql(`alter table "identity"."tenants" drop constraint "tenants_subscription_status_check";`);
    this.addSql(
      `alter table "identity"."tenants" drop column "subscription_status", drop column "period_end", drop column "pending_plan";`,
    );
    this.addSql(`alter table "identity"."tenants" drop constraint "tenants_plan_check";`);
  }
}
