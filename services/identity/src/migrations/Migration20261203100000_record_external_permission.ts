import { Migration } from '@mikro-orm/migrations';

/**
 * `payments.record_external` (recording a card or transfer taken outside Faena) is new: system
 * roles are written at signup, so the cashier and manager roles of existing businesses get it
 * here, as new businesses do from system-roles.ts. Custom roles are the business's to change.
 */
export class Migration20261203100000_record_external_permission extends Migration {
  override name = 'Migration20261203100000_record_external_permission';

  override up(): void | Promise<void> {
    this.addSql(
      `update "identity"."roles" set "permissions" = array_append("permissions", 'payments.record_external')
        where "system" and "name" in ('cashier', 'manager') and not ('payments.record_external' = any("permissions"));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `update "identity"."roles" set "permissions" = array_remove("permissions", 'payments.record_external')
        where "system" and "name" in ('cashier', 'manager');`,
    );
  }
}
