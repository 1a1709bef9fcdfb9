import { Migration } from '@mikro-orm/migrations';

/**
 * Floors and tables of a branch, and what the entities cannot say:
 * - a table's floor is a composite tenant key, and a second key `(tenant_id, floor_id, branch_id)`
 *   over the floor's `unique (tenant_id, id, branch_id)` keeps a table in its floor's branch;
 * - names once per branch, case-insensitive (floors; tables across the branch's floors);
 * - seats 1-100; a table's status one of `available | occupied | out_of_service` (the entity's
 *   enum CHECK); position >= 0.
 */
export class Migration20261208120000_floors extends Migration {
  override name = 'Migration20261208120000_floors';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."dining_tables" ("id" uuid not null, "tenant_id" uuid not null, "floor_id" uuid not null, "branch_id" uuid not null, "name" varchar(40) not null, "seats" int not null, "status" text not null default 'available', "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "dining_tables_tenant_id_index" on "pos"."dining_tables" ("tenant_id");`);
    this.addSql(`create index "dining_tables_floor_id_index" on "pos"."dining_tables" ("floor_id");`);
    this.addSql(`create index "dining_tables_branch_id_index" on "pos"."dining_tables" ("branch_id");`);
    this.addSql(
      `create table "pos"."floors" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null, "name" varchar(60) not null, "position" int not null default 0, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "floors_tenant_id_index" on "pos"."floors" ("tenant_id");`);
    this.addSql(`create index "floors_branch_id_index" on "pos"."floors" ("branch_id");`);
    this.addSql(
      `alter table "pos"."dining_tables" add constraint "dining_tables_status_check" check ("status" in ('available', 'occupied', 'out_of_service'));`,
    );
    this.addSql(
      `alter table "pos"."floors" add constraint "floors_tenant_id_id_unique" unique ("tenant_id", "id");`,
    );
    this.addSql(
      `alter table "pos"."floors" add constraint "floors_tenant_id_id_branch_id_unique" unique ("tenant_id", "id", "branch_id");`,
    );
    this.addSql(
      `alter table "pos"."dining_tables" add constraint "dining_tables_tenant_id_id_unique" unique ("tenant_id", "id");`,
    );
    this.addSql(
      `alter table "pos"."dining_tables" add constraint "dining_tables_tenant_floor_id_foreign" foreign key ("tenant_id", "floor_id")
        references "pos"."floors" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "pos"."dining_tables" add constraint "dining_tables_floor_branch_foreign" foreign key ("tenant_id", "floor_id", "branch_id")
        references "pos"."floors" ("tenant_id", "id", "branch_id") on update cascade on delete restrict deferrable initially deferred;`,
    );
    this.addSql(
      `create unique index "floors_name_unique" on "pos"."floors" ("tenant_id", "branch_id", lower("name"));`,
    );
    this.addSql(
      `create unique index "dining_tables_name_unique" on "pos"."dining_tables" ("tenant_id", "branch_id", lower("name"));`,
    );
    this.addSql(`alter table "pos"."floors" add constraint "floors_position_check" check ("position" >= 0);`);
    this.addSql(
      `alter table "pos"."dining_tables" add constraint "dining_tables_seats_check" check ("seats" between 1 and 100);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pos"."dining_tables" cascade;`);
    this.addSql(`drop table if exists "pos"."floors" cascade;`);
  }
}
