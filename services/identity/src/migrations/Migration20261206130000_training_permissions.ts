import { RoleGrantsMigration } from './role-grants.ts';

/**
 * Trainers, routines and nutrition (services/gym): the manager `trainers.manage`, `routines.manage`
 * and `nutrition.manage`; the trainer `routines.manage` and `nutrition.manage`; and the new system
 * role `nutritionist` (members.read + nutrition.manage), added to every existing business (new
 * businesses get it from system-roles.ts). A business's own role already named `nutritionist` is
 * left as it is.
 */
export class Migration20261206130000_training_permissions extends RoleGrantsMigration {
  override name = 'Migration20261206130000_training_permissions';
  protected override readonly grants = [
    ['manager', 'trainers.manage'],
    ['manager', 'routines.manage'],
    ['manager', 'nutrition.manage'],
    ['trainer', 'routines.manage'],
    ['trainer', 'nutrition.manage'],
  ] as const;

  override up(): void | Promise<void> {
    void super.up();
    this.addSql(
      `insert into "identity"."roles" ("id", "tenant_id", "name", "description", "system", "parent_id", "permissions", "created_at", "updated_at")
        select gen_random_uuid(), t."id", 'nutritionist', 'Plans members'' nutrition', true, null,
          array['tenant.read', 'members.read', 'nutrition.manage', 'notifications.read'], now(), now()
        from "identity"."tenants" t
        on conflict ("tenant_id", "name") do nothing;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `delete from "identity"."roles" r where r."system" and r."name" = 'nutritionist'
        and not exists (select 1 from "identity"."user_roles" ur where ur."role_id" = r."id");`,
    );
    void super.down();
  }
}
