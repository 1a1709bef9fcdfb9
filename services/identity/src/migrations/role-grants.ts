import { Migration } from '@mikro-orm/migrations';

/** A permission a system role gains: `[role name, permission]`. */
export type RoleGrant = readonly [role: string, permission: string];

/**
 * The one shape of a migration that gives a new permission to system roles. System roles are
 * written at signup from system-roles.ts, so new businesses get a new permission from there and
 * existing businesses' roles get it from a migration extending this class (up adds it once, down
 * removes it). Custom roles are the business's to change. Not a migration itself: the loader runs
 * only `Migration*.ts` files.
 */
export abstract class RoleGrantsMigration extends Migration {
  protected abstract readonly grants: readonly RoleGrant[];

  override up(): void | Promise<void> {
    for (const [role, permission] of this.grants)
      this.addSql(
        `update "identity"."roles" set "permissions" = array_append("permissions", ${quote(permission)})
          where "system" and "name" = ${quote(role)} and not (${quote(permission)} = any("permissions"));`,
      );
  }

  override down(): void | Promise<void> {
    for (const [role, permission] of this.grants)
      this.addSql(
        `update "identity"."roles" set "permissions" = array_remove("permissions", ${quote(permission)})
          where "system" and "name" = ${quote(role)};`,
      );
  }
}

const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;
