import { RoleGrantsMigration } from './role-grants.ts';

/**
 * Voiding POS order lines after sending (services/pos, `/orders/:id/lines/:lineId/void`): managers
 * (`orders.void`; admins inherit it, owners hold `*`). Not cashiers or waiters: a void takes a line
 * the kitchen already has off the bill, the loss a manager answers for (like a cancel).
 */
export class Migration20261209100000_order_void_permissions extends RoleGrantsMigration {
  override name = 'Migration20261209100000_order_void_permissions';
  protected override readonly grants = [['manager', 'orders.void']] as const;
}
