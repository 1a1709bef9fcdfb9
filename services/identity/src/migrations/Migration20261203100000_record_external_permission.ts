import { RoleGrantsMigration } from './role-grants.ts';

/** `payments.record_external` (recording a card or transfer taken outside Faena) for cashiers and managers. */
export class Migration20261203100000_record_external_permission extends RoleGrantsMigration {
  override name = 'Migration20261203100000_record_external_permission';
  protected override readonly grants = [
    ['cashier', 'payments.record_external'],
    ['manager', 'payments.record_external'],
  ] as const;
}
