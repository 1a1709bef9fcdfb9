import { RoleGrantsMigration } from './role-grants.ts';

/**
 * A gym member buys a plan for themselves (`POST /api/gym/v1/members/me/memberships`): the client
 * role gains `payments.self`, payments' narrowest grant — the caller pays as themselves only (their
 * own wallet or a MercadoPago checkout; `POST /api/payments/v1/payments/self`), never with someone
 * else's wallet, in cash or to a payee. `payments.create` stays staff's.
 */
export class Migration20261208110000_member_self_payments extends RoleGrantsMigration {
  override name = 'Migration20261208110000_member_self_payments';
  protected override readonly grants = [['client', 'payments.self']] as const;
}
