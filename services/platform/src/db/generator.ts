import { TSMigrationGenerator } from '@mikro-orm/migrations';

/**
 * MikroORM's TS generator minus the `create schema` / `drop schema` of the service's own schema:
 * `runMigrations` creates the schema (it also holds the migrations table), so the first
 * migration's `down()` must not try to drop it.
 */
export class ServiceMigrationGenerator extends TSMigrationGenerator {
  override generateMigrationFile(className: string, diff: { up: string[]; down: string[] }): string {
    const schema = this.options.schema;
    const own = schema
      ? new RegExp(
          `^(create schema if not exists|drop schema if exists) "${schema.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}";?$`,
        )
      : undefined;
    const keep = (sql: string) => !own?.test(sql.trim());
    return super.generateMigrationFile(className, { up: diff.up.filter(keep), down: diff.down.filter(keep) });
  }
}
