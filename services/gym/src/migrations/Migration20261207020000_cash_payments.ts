import { Migration } from '@mikro-orm/migrations';

/**
 * Cash at reception: a membership may be paid in cash (besides wallet and MercadoPago) and a store
 * sale in cash (besides wallet), into a drawer's open cash session in payments.
 */
export class Migration20261207020000_cash_payments extends Migration {
  override name = 'Migration20261207020000_cash_payments';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "gym"."memberships" drop constraint if exists "memberships_payment_method_check";`,
    );
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_payment_method_check" check ("payment_method" in ('wallet', 'mercadopago', 'cash'));`,
    );
    this.addSql(`alter table "gym"."sales" drop constraint if exists "sales_payment_method_check";`);
    this.addSql(
      `alter table "gym"."sales" add constraint "sales_payment_method_check" check ("payment_method" in ('wallet', 'cash'));`,
    );
    this.addSql(`alter table "gym"."sales" drop constraint if exists "sales_check";`);
    this.addSql(
      `alter table "gym"."sales" add constraint "sales_check" check ("total" > 0
        and "status" in ('pending_payment', 'paid', 'failed') and "payment_method" in ('wallet', 'cash'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "gym"."sales" drop constraint if exists "sales_check";`);
    this.addSql(
      `alter table "gym"."sales" add constraint "sales_check" check ("total" > 0
        and "status" in ('pending_payment', 'paid', 'failed') and "payment_method" in ('wallet'));`,
    );
    this.addSql(`alter table "gym"."sales" drop constraint if exists "sales_payment_method_check";`);
    this.addSql(
      `alter table "gym"."sales" add constraint "sales_payment_method_check" check ("payment_method" in ('wallet'));`,
    );
    this.addSql(
      `alter table "gym"."memberships" drop constraint if exists "memberships_payment_method_check";`,
    );
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_payment_method_check" check ("payment_method" in ('wallet', 'mercadopago'));`,
    );
  }
}
