import { RoleGrantsMigration } from './role-grants.ts';

/**
 * The POS nightly cash closure (services/pos, `/closures*`, `/branches/:branchId/closure-settings`):
 * managers read a branch's closures and get the report by mail (`closures.read`), approve a day's
 * differences beyond the threshold (`closures.approve`) and set the branch's closing time
 * (`closures.configure`); admins and owners inherit them.
 */
export class Migration20261209300000_closure_permissions extends RoleGrantsMigration {
  override name = 'Migration20261209300000_closure_permissions';
  protected override readonly grants = [
    ['manager', 'closures.read'],
    ['manager', 'closures.approve'],
    ['manager', 'closures.configure'],
  ] as const;
}
