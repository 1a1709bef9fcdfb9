export { createOrm, type CreateOrmOptions, type MigrationList, type Orm } from './orm.ts';
export {
  createMigration,
  loadMigrations,
  migrateCli,
  pendingMigrations,
  runMigrations,
} from './migrations.ts';
export {
  FILTER,
  TenantContextError,
  auditProperties,
  idProperty,
  moneyProperty,
  softDeleteProperties,
  tenantProperty,
} from './properties.ts';
export { TenantGuardSubscriber, defaultFilters } from './guards.ts';
export { currentEm, requestContextMiddleware, withEm } from './context.ts';
export { asSystem, isSystemContext } from './system.ts';
export { dbHealthCheck } from './health.ts';
export { findPage } from './paginate.ts';
export {
  isCheckViolation,
  isExclusionViolation,
  isForeignKeyViolation,
  isUniqueViolation,
} from './pg-errors.ts';
