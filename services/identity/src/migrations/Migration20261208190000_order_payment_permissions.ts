import { RoleGrantsMigration } from './role-grants.ts';

/**
 * The POS order payments (services/pos, `/orders/:id/payments`, `/orders/:id/refunds`): cashiers
 * and managers take an order's payment (`orders.pay`; payments checks their `payments.create` and
 * `payments.record_external` itself); refunds (`orders.refund`) go to admins (and owners), the
 * roles that hold `payments.refund`, which payments checks on the same token.
 */
export class Migration20261208190000_order_payment_permissions extends RoleGrantsMigration {
  override name = 'Migration20261208190000_order_payment_permissions';
  protected override readonly grants = [
    ['manager', 'orders.pay'],
    ['cashier', 'orders.pay'],
    ['admin', 'orders.refund'],
  ] as const;
}
