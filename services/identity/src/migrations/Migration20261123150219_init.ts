import { Migration } from '@mikro-orm/migrations';

export class Migration20261123150219_init extends Migration {
  override name = 'Migration20261123150219_init';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "identity"."audit_events" ("id" uuid not null, "tenant_id" uuid not null, "type" varchar(64) not null, "actor_id" uuid null, "subject_id" uuid null, "ip" varchar(64) null, "data" jsonb not null default '{}', "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "audit_events_tenant_id_index" on "identity"."audit_events" ("tenant_id");`);
    this.addSql(`create index "audit_events_type_index" on "identity"."audit_events" ("type");`);

    this.addSql(
      `create table "identity"."branches" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(200) not null, "time_zone" varchar(64) not null, "address" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, "deleted_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`create index "branches_tenant_id_index" on "identity"."branches" ("tenant_id");`);

    this.addSql(
      `create table "identity"."refresh_tokens" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "csrf_hash" varchar(64) null, "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "refresh_tokens_tenant_id_index" on "identity"."refresh_tokens" ("tenant_id");`,
    );
    this.addSql(`create index "refresh_tokens_user_id_index" on "identity"."refresh_tokens" ("user_id");`);
    this.addSql(
      `create index "refresh_tokens_family_id_index" on "identity"."refresh_tokens" ("family_id");`,
    );
    this.addSql(
      `alter table "identity"."refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `create table "identity"."roles" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(64) not null, "description" varchar(500) not null default '', "system" boolean not null default false, "parent_id" uuid null, "permissions" text[] not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "roles_tenant_id_index" on "identity"."roles" ("tenant_id");`);

    this.addSql(
      `create table "identity"."signing_keys" ("kid" varchar(64) not null, "public_jwk" jsonb not null, "private_jwk_encrypted" text not null, "created_at" timestamptz not null, "retired_at" timestamptz null, primary key ("kid"));`,
    );

    this.addSql(
      `create table "identity"."tenants" ("id" uuid not null, "slug" varchar(63) not null, "name" varchar(200) not null, "kind" text not null, "currency" varchar(3) not null, "locale" varchar(16) not null, "time_zone" varchar(64) not null, "status" text not null default 'active', "plan" varchar(32) not null default 'free', "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`alter table "identity"."tenants" add constraint "tenants_slug_unique" unique ("slug");`);

    this.addSql(
      `create table "identity"."users" ("id" uuid not null, "tenant_id" uuid not null, "email" varchar(254) not null, "name" varchar(200) not null, "password_hash" text null, "status" text not null default 'active', "invitation_hash" varchar(64) null, "invitation_expires_at" timestamptz null, "last_login_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, "deleted_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`create index "users_tenant_id_index" on "identity"."users" ("tenant_id");`);

    this.addSql(
      `create table "identity"."user_roles" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "role_id" uuid not null, "branch_id" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "user_roles_tenant_id_index" on "identity"."user_roles" ("tenant_id");`);
    this.addSql(`create index "user_roles_user_id_index" on "identity"."user_roles" ("user_id");`);
    this.addSql(`create index "user_roles_role_id_index" on "identity"."user_roles" ("role_id");`);

    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_kind_check" check ("kind" in ('gym', 'restaurant', 'cafe', 'marketplace', 'platform'));`,
    );
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_status_check" check ("status" in ('active', 'suspended'));`,
    );

    this.addSql(
      `alter table "identity"."users" add constraint "users_status_check" check ("status" in ('invited', 'active', 'disabled'));`,
    );

    // Invariants the database itself keeps (written by hand after generation). Foreign keys are
    // checked at commit: entities hold plain ids, so the unit of work does not order inserts by them.
    this.addSql(
      `alter table "identity"."branches" add constraint "branches_tenant_fk" foreign key ("tenant_id") references "identity"."tenants" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."users" add constraint "users_tenant_fk" foreign key ("tenant_id") references "identity"."tenants" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."roles" add constraint "roles_tenant_fk" foreign key ("tenant_id") references "identity"."tenants" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."roles" add constraint "roles_parent_fk" foreign key ("parent_id") references "identity"."roles" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."roles" add constraint "roles_tenant_name_unique" unique ("tenant_id", "name");`,
    );
    this.addSql(
      `alter table "identity"."user_roles" add constraint "user_roles_user_fk" foreign key ("user_id") references "identity"."users" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."user_roles" add constraint "user_roles_role_fk" foreign key ("role_id") references "identity"."roles" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."user_roles" add constraint "user_roles_branch_fk" foreign key ("branch_id") references "identity"."branches" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."user_roles" add constraint "user_roles_unique" unique nulls not distinct ("user_id", "role_id", "branch_id");`,
    );
    this.addSql(
      `alter table "identity"."refresh_tokens" add constraint "refresh_tokens_user_fk" foreign key ("user_id") references "identity"."users" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."audit_events" add constraint "audit_events_tenant_fk" foreign key ("tenant_id") references "identity"."tenants" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `create unique index "users_tenant_email_unique" on "identity"."users" ("tenant_id", lower("email")) where "deleted_at" is null;`,
    );
    this.addSql(
      `create index "audit_events_tenant_created_index" on "identity"."audit_events" ("tenant_id", "id" desc);`,
    );
    this.addSql(
      `alter table "identity"."tenants" add constraint "tenants_currency_check" check ("currency" ~ '^[A-Z]{3}$');`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "identity"."audit_events" cascade;`);
    this.addSql(`drop table if exists "identity"."branches" cascade;`);
    this.addSql(`drop table if exists "identity"."refresh_tokens" cascade;`);
    this.addSql(`drop table if exists "identity"."roles" cascade;`);
    this.addSql(`drop table if exists "identity"."signing_keys" cascade;`);
    this.addSql(`drop table if exists "identity"."tenants" cascade;`);
    this.addSql(`drop table if exists "identity"."users" cascade;`);
    this.addSql(`drop table if exists "identity"."user_roles" cascade;`);
  }
}
