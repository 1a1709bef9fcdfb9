import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant-consistent references (issue 13): roles → parent role, user roles → user, role and branch,
 * refresh and password reset tokens → user.
 * Each reference becomes a composite foreign key `(tenant_id, x_id) → x (tenant_id, id)` (over a new
 * `unique (tenant_id, id)` of the referenced table), so no code path — system context included —
 * can point a row at another tenant's row. Same ON DELETE as before (soft deletes keep parents),
 * deferrable and checked at commit like the init migration's: entities hold plain ids, so the unit
 * of work does not order inserts by them. Hand-written: MikroORM cannot declare a foreign key to a
 * unique key other than the primary key, so the entities (and `.snapshot.json`) do not know these
 * constraints and a generated migration never touches them. tests/security/tenant-fks.test.ts
 * checks every one of them, and that no `*_id` column naming a table of the schema lacks one.
 */
export class Migration20261202090000_tenant_foreign_keys extends Migration {
  override name = 'Migration20261202090000_tenant_foreign_keys';

  override up(): void | Promise<void> {
    // Assignments an earlier demo seed wrote pointing at another tenant's role (or user, branch) grant
    // nothing this tenant owns and would stop the constraints below: removed (the seed re-creates
    // the demo users' own roles).
    this.addSql(
      `delete from "identity"."user_roles" ur where exists (select 1 from "identity"."roles" r where r."id" = ur."role_id" and r."tenant_id" <> ur."tenant_id") or exists (select 1 from "identity"."users" u where u."id" = ur."user_id" and u."tenant_id" <> ur."tenant_id") or exists (select 1 from "identity"."branches" b where b."id" = ur."branch_id" and b."tenant_id" <> ur."tenant_id");`,
    );
    for (const table of PARENTS)
      this.addSql(
        `alter table "identity"."${table}" add constraint "${table}_tenant_id_unique" unique ("tenant_id", "id");`,
      );
    for (const fk of FKS) {
      if (fk.replaces) this.addSql(`alter table "identity"."${fk.table}" drop constraint "${fk.name}";`);
      this.addSql(
        `alter table "identity"."${fk.table}" add constraint "${fk.name}" foreign key ("tenant_id", "${fk.column}") references "identity"."${fk.references}" ("tenant_id", "id")${onDelete(fk)} deferrable initially deferred;`,
      );
    }
  }

  override down(): void | Promise<void> {
    for (const fk of [...FKS].reverse()) {
      this.addSql(`alter table "identity"."${fk.table}" drop constraint "${fk.name}";`);
      if (fk.replaces)
        this.addSql(
          `alter table "identity"."${fk.table}" add constraint "${fk.name}" foreign key ("${fk.column}") references "identity"."${fk.references}" ("id")${onDelete(fk)} deferrable initially deferred;`,
        );
    }
    for (const table of [...PARENTS].reverse())
      this.addSql(`alter table "identity"."${table}" drop constraint "${table}_tenant_id_unique";`);
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
  { name: 'roles_parent_fk', table: 'roles', column: 'parent_id', references: 'roles', replaces: true },
  { name: 'user_roles_user_fk', table: 'user_roles', column: 'user_id', references: 'users', replaces: true },
  { name: 'user_roles_role_fk', table: 'user_roles', column: 'role_id', references: 'roles', replaces: true },
  {
    name: 'user_roles_branch_fk',
    table: 'user_roles',
    column: 'branch_id',
    references: 'branches',
    replaces: true,
  },
  {
    name: 'refresh_tokens_user_fk',
    table: 'refresh_tokens',
    column: 'user_id',
    references: 'users',
    replaces: true,
  },
  {
    name: 'password_reset_tokens_user_fk',
    table: 'password_reset_tokens',
    column: 'user_id',
    references: 'users',
    replaces: true,
  },
];

const PARENTS = [...new Set(FKS.map((fk) => fk.references))];
