import { Migration } from '@mikro-orm/migrations';

/**
 * A tenant-consistent reference a later gym migration left as a plain uuid column (found by
 * tests/security/tenant-fks.test.ts): a booking's waitlist entry (the accepted offer that made it).
 * A composite `(tenant_id, x_id)` key as in `Migration20261201221300_constraints`, deferrable and
 * checked at commit; `no action`, so the rows a class's deletion cascades to go together.
 */
const FKS: Array<[table: string, column: string, parent: string]> = [
  ['bookings', 'waitlist_entry_id', 'waitlist_entries'],
];

export class Migration20261206140000_tenant_keys extends Migration {
  override name = 'Migration20261206140000_tenant_keys';

  override up(): void | Promise<void> {
    for (const [table, column, parent] of FKS)
      this.addSql(
        `alter table "gym"."${table}" add constraint "${table}_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "gym"."${parent}" ("tenant_id", "id") on update cascade on delete no action deferrable initially deferred;`,
      );
  }

  override down(): void | Promise<void> {
    for (const [table, column] of FKS)
      this.addSql(
        `alter table "gym"."${table}" drop constraint if exists "${table}_tenant_${column}_foreign";`,
      );
  }
}
