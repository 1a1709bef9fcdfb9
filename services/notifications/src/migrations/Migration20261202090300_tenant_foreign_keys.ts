import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant-consistent references (issue 13): webhook deliveries → endpoint.
 * Each reference becomes a composite foreign key `(tenant_id, x_id) → x (tenant_id, id)` (over a new
 * `unique (tenant_id, id)` of the referenced table), so no code path — system context included —
 * can point a row at another tenant's row. Same ON DELETE as before (soft deletes keep parents),
 * deferrable and checked at commit like the init migration's: entities hold plain ids, so the unit
 * of work does not order inserts by them. Hand-written: MikroORM cannot declare a foreign key to a
 * unique key other than the primary key, so the entities (and `.snapshot.json`) do not know these
 * constraints and a generated migration never touches them. tests/security/tenant-fks.test.ts
 * checks every one of them, and that no `*_id` column naming a table of the schema lacks one.
 */
export class Migration20261202090300_tenant_foreign_keys extends Migration {
  override name = 'Migration20261202090300_tenant_foreign_keys';

  override up(): void | Promise<void> {
    for (const table of PARENTS)
      this.addSql(
        `alter table "notifications"."${table}" add constraint "${table}_tenant_id_unique" unique ("tenant_id", "id");`,
      );
    for (const fk of FKS) {
      if (fk.replaces) this.addSql(`alter table "notifications"."${fk.table}" drop constraint "${fk.name}";`);
      this.addSql(
        `alter table "notifications"."${fk.table}" add constraint "${fk.name}" foreign key ("tenant_id", "${fk.column}") references "notifications"."${fk.references}" ("tenant_id", "id")${onDelete(fk)} deferrable initially deferred;`,
      );
    }
  }

  override down(): void | Promise<void> {
    for (const fk of [...FKS].reverse()) {
      this.addSql(`alter table "notifications"."${fk.table}" drop constraint "${fk.name}";`);
      if (fk.replaces)
        this.addSql(
          `alter table "notifications"."${fk.table}" add constraint "${fk.name}" foreign key ("${fk.column}") references "notifications"."${fk.references}" ("id")${onDelete(fk)} deferrable initially deferred;`,
        );
    }
    for (const table of [...PARENTS].reverse())
      this.addSql(`alter table "notifications"."${table}" drop constraint "${table}_tenant_id_unique";`);
  }
}

interface TenantFk {
  name: string;
  table: string;
  column: string;
  references: string;
  /** The single-column foreign key of the same name this one replaces (restored by `down`). */
  replaces?: true;
  onDelete?: 'cascade';
}

const onDelete = (fk: TenantFk) => (fk.onDelete ? ` on delete ${fk.onDelete}` : '');

const FKS: TenantFk[] = [
  {
    name: 'webhook_deliveries_endpoint_fk',
    table: 'webhook_deliveries',
    column: 'endpoint_id',
    references: 'webhook_endpoints',
    replaces: true,
  },
];

const PARENTS = [...new Set(FKS.map((fk) => fk.references))];
