import { RoleGrantsMigration } from './role-grants.ts';

/**
 * The POS kitchen's stations (services/pos, `/stations/*`): the manager keeps a branch's stations,
 * their printers and which categories go to each (`stations.manage`). Working the kitchen screen
 * (`kitchen.operate`) is the kitchen's and the manager's already.
 */
export class Migration20261208180000_kitchen_permissions extends RoleGrantsMigration {
  override name = 'Migration20261208180000_kitchen_permissions';
  protected override readonly grants = [['manager', 'stations.manage']] as const;
}
