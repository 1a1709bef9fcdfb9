import { RoleGrantsMigration } from './role-grants.ts';

/**
 * Kitchen printing (services/pos, `/printing/*`): the manager acts on the branch's print jobs and
 * printers (retry, reroute, cancel a job; reset a printer's breaker) and is told, with the ticket's
 * PDF, when a ticket could not print in time (`printing.operate`).
 */
export class Migration20261209400000_printing_permissions extends RoleGrantsMigration {
  override name = 'Migration20261209400000_printing_permissions';
  protected override readonly grants = [['manager', 'printing.operate']] as const;
}
