import { RoleGrantsMigration } from './role-grants.ts';

/**
 * The POS menu and floors (services/pos): managers keep them (`menu.manage`, `floors.manage`);
 * whoever takes orders reads them (cashier and waiter: `menu.read`, `floors.read`); the kitchen
 * reads the menu only.
 */
export class Migration20261208140000_pos_menu_permissions extends RoleGrantsMigration {
  override name = 'Migration20261208140000_pos_menu_permissions';
  protected override readonly grants = [
    ['manager', 'menu.read'],
    ['manager', 'menu.manage'],
    ['manager', 'floors.read'],
    ['manager', 'floors.manage'],
    ['cashier', 'menu.read'],
    ['cashier', 'floors.read'],
    ['waiter', 'menu.read'],
    ['waiter', 'floors.read'],
    ['kitchen', 'menu.read'],
  ] as const;
}
