import { RoleGrantsMigration } from './role-grants.ts';

/**
 * A trainer keeps their own gym profile (services/gym `/trainers/me`): the trainer `trainers.self`
 * (read their profile, change its bio, specialties and weekly availability). Managers change any
 * profile with `trainers.manage` and do not get it: they are not trainers.
 */
export class Migration20261208130000_trainer_self_permission extends RoleGrantsMigration {
  override name = 'Migration20261208130000_trainer_self_permission';
  protected override readonly grants = [['trainer', 'trainers.self']] as const;
}
