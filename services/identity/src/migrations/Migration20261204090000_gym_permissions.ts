import { RoleGrantsMigration } from './role-grants.ts';

/**
 * The gym's permissions (services/gym): the manager `plans.manage` (its `members.*` already covers
 * `members.health` and `members.self`), the trainer `members.health`, the client (a gym member who
 * logs in) `members.self`.
 */
export class Migration20261204090000_gym_permissions extends RoleGrantsMigration {
  override name = 'Migration20261204090000_gym_permissions';
  protected override readonly grants = [
    ['manager', 'plans.manage'],
    ['trainer', 'members.health'],
    ['client', 'members.self'],
  ] as const;
}
