import { RoleGrantsMigration } from './role-grants.ts';

/**
 * The POS inventory's permissions (services/pos, `/inventory/*`): the manager reads stock and the
 * kardex and counts (it already keeps items, movements and transfers and posts counts with
 * `inventory.manage`); the kitchen reads stock and records what it counts, never posting a count
 * nor moving stock by hand.
 */
export class Migration20261208150000_inventory_permissions extends RoleGrantsMigration {
  override name = 'Migration20261208150000_inventory_permissions';
  protected override readonly grants = [
    ['manager', 'inventory.read'],
    ['manager', 'inventory.count'],
    ['kitchen', 'inventory.read'],
    ['kitchen', 'inventory.count'],
  ] as const;
}
