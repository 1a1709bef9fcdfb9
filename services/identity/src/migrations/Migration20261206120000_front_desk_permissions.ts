import { RoleGrantsMigration } from './role-grants.ts';

/**
 * Reception, the store and incidents (services/gym): the manager `checkins.manual`,
 * `checkins.read`, `store.*` (read, sell, manage) and `incidents.*` (report, read, manage,
 * configure); the receptionist `checkins.read`, `store.read`, `store.sell`, `incidents.report`,
 * `incidents.read`, `incidents.manage`; the trainer `checkins.read`, `incidents.report`; the client
 * (a gym member who logs in) `incidents.report`.
 */
export class Migration20261206120000_front_desk_permissions extends RoleGrantsMigration {
  override name = 'Migration20261206120000_front_desk_permissions';
  protected override readonly grants = [
    ['manager', 'checkins.manual'],
    ['manager', 'checkins.read'],
    ['manager', 'store.read'],
    ['manager', 'store.sell'],
    ['manager', 'store.manage'],
    ['manager', 'incidents.report'],
    ['manager', 'incidents.read'],
    ['manager', 'incidents.manage'],
    ['manager', 'incidents.configure'],
    ['receptionist', 'checkins.read'],
    ['receptionist', 'store.read'],
    ['receptionist', 'store.sell'],
    ['receptionist', 'incidents.report'],
    ['receptionist', 'incidents.read'],
    ['receptionist', 'incidents.manage'],
    ['trainer', 'checkins.read'],
    ['trainer', 'incidents.report'],
    ['client', 'incidents.report'],
  ] as const;
}
