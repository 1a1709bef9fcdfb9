import { Migration } from '@mikro-orm/migrations';

/**
 * The gym's permissions (services/gym): system roles are written at signup, so existing
 * businesses' roles get them here, as new businesses do from system-roles.ts — the manager
 * `plans.manage` (its `members.*` already covers `members.health` and `members.self`), the trainer
 * `members.health`, the client (a gym member who logs in) `members.self`. Custom roles are the
 * business's to change.
 */
export class Migration20261204090000_gym_permissions extends Migration {
  override name = 'Migration20261204090000_gym_permissions';

  override up(): void | Promise<void> {
    for (const [role, permission] of GRANTS)
      this.addSql(
        `update "identity"."roles" set "permissions" = array_append("permissions", '${permission}')
          where "system" and "name" = '${role}' and not ('${permission}' = any("permissions"));`,
      );
  }

  override down(): void | Promise<void> {
    for (const [role, permission] of GRANTS)
      this.addSql(
        `update "identity"."roles" set "permissions" = array_remove("permissions", '${permission}')
          where "system" and "name" = '${role}';`,
      );
  }
}

const GRANTS = [
  ['manager', 'plans.manage'],
  ['trainer', 'members.health'],
  ['client', 'members.self'],
] as const;
