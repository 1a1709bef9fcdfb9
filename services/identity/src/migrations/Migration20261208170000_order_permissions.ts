import { RoleGrantsMigration } from './role-grants.ts';

/** The POS orders' permissions (services/pos): the manager cancels orders and gives discounts above the threshold. */
export class Migration20261208170000_order_permissions extends RoleGrantsMigration {
  override name = 'Migration20261208170000_order_permissions';
  protected override readonly grants = [
    ['manager', 'orders.cancel'],
    ['manager', 'orders.discount'],
  ] as const;
}
