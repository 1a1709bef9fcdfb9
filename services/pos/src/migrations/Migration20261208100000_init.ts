import { Migration } from '@mikro-orm/migrations';

/**
 * The POS schema's first table, the menu's categories, with what the entity cannot say: a name
 * once per business (case-insensitive), a position never negative, and `unique (tenant_id, id)`,
 * the target of the composite tenant keys of the tables that reference a category.
 */
export class Migration20261208100000_init extends Migration {
  override name = 'Migration20261208100000_init';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."categories" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(80) not null, "description" text not null default '', "position" int not null default 0, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "categories_tenant_id_index" on "pos"."categories" ("tenant_id");`);
    this.addSql(
      `alter table "pos"."categories" add constraint "categories_tenant_id_id_unique" unique ("tenant_id", "id");`,
    );
    this.addSql(
      `create unique index "categories_name_unique" on "pos"."categories" ("tenant_id", lower("name"));`,
    );
    this.addSql(
      `alter table "pos"."categories" add constraint "categories_position_check" check ("position" >= 0);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pos"."categories" cascade;`);
  }
}
