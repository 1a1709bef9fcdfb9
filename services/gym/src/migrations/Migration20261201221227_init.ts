import { Migration } from '@mikro-orm/migrations';

export class Migration20261201221227_init extends Migration {
  override name = 'Migration20261201221227_init';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "gym"."bookings" ("id" uuid not null, "tenant_id" uuid not null, "occurrence_id" uuid not null, "member_id" uuid not null, "membership_id" uuid not null, "branch_id" uuid not null, "status" text not null default 'booked', "session_consumed" boolean not null default false, "cancelled_at" timestamptz null, "late_cancel" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "bookings_tenant_id_index" on "gym"."bookings" ("tenant_id");`);
    this.addSql(`create index "bookings_occurrence_id_index" on "gym"."bookings" ("occurrence_id");`);
    this.addSql(`create index "bookings_member_id_index" on "gym"."bookings" ("member_id");`);

    this.addSql(
      `create table "gym"."class_occurrences" ("id" uuid not null, "tenant_id" uuid not null, "schedule_id" uuid not null, "branch_id" uuid not null, "class_type_id" uuid not null, "trainer_id" uuid null, "room" varchar(80) not null default '', "starts_at" timestamptz not null, "ends_at" timestamptz not null, "local_date" date not null, "capacity" int not null, "booked" int not null default 0, "status" text not null default 'scheduled', "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "class_occurrences_tenant_id_index" on "gym"."class_occurrences" ("tenant_id");`,
    );
    this.addSql(
      `create index "class_occurrences_schedule_id_index" on "gym"."class_occurrences" ("schedule_id");`,
    );
    this.addSql(
      `create index "class_occurrences_branch_id_index" on "gym"."class_occurrences" ("branch_id");`,
    );

    this.addSql(
      `create table "gym"."class_schedules" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null, "class_type_id" uuid not null, "trainer_id" uuid null, "room" varchar(80) not null default '', "weekday" int not null, "start_time" varchar(5) not null, "duration_minutes" int not null, "capacity" int not null, "time_zone" varchar(64) not null, "starts_on" date not null, "ends_on" date null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "class_schedules_tenant_id_index" on "gym"."class_schedules" ("tenant_id");`);
    this.addSql(`create index "class_schedules_branch_id_index" on "gym"."class_schedules" ("branch_id");`);

    this.addSql(
      `create table "gym"."class_types" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null, "description" text not null default '', "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "class_types_tenant_id_index" on "gym"."class_types" ("tenant_id");`);

    this.addSql(
      `create table "gym"."settings" ("tenant_id" uuid not null, "booking_opens_days" int not null default 7, "booking_closes_minutes" int not null default 30, "cancel_hours" int not null default 2, "time_zone" varchar(64) not null default 'UTC', "updated_at" timestamptz not null, primary key ("tenant_id"));`,
    );

    this.addSql(
      `create table "gym"."members" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null, "user_id" uuid null, "first_name" varchar(100) not null, "last_name" varchar(100) not null, "email" varchar(254) null, "phone" varchar(40) null, "document" varchar(40) null, "birth_date" date null, "emergency_contact" jsonb null, "health_notes" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, "deleted_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`create index "members_tenant_id_index" on "gym"."members" ("tenant_id");`);
    this.addSql(`create index "members_branch_id_index" on "gym"."members" ("branch_id");`);

    this.addSql(
      `create table "gym"."memberships" ("id" uuid not null, "tenant_id" uuid not null, "member_id" uuid not null, "plan_id" uuid not null, "branch_id" uuid not null, "status" text not null default 'pending_payment', "starts_on" date not null, "ends_on" date not null, "sessions_left" int null, "amount" bigint not null, "currency" varchar(3) not null, "payment_method" text not null, "payment_id" uuid null, "checkout_url" text null, "purchase_key" varchar(300) not null, "cancelled_reason" varchar(300) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "memberships_tenant_id_index" on "gym"."memberships" ("tenant_id");`);
    this.addSql(`create index "memberships_member_id_index" on "gym"."memberships" ("member_id");`);

    this.addSql(
      `create table "gym"."membership_events" ("id" uuid not null, "tenant_id" uuid not null, "membership_id" uuid not null, "type" text not null, "data" jsonb not null default '{}', "created_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "membership_events_tenant_id_index" on "gym"."membership_events" ("tenant_id");`,
    );
    this.addSql(
      `create index "membership_events_membership_id_index" on "gym"."membership_events" ("membership_id");`,
    );

    this.addSql(
      `create table "gym"."membership_freezes" ("id" uuid not null, "tenant_id" uuid not null, "membership_id" uuid not null, "starts_on" date not null, "ends_on" date not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "membership_freezes_tenant_id_index" on "gym"."membership_freezes" ("tenant_id");`,
    );
    this.addSql(
      `create index "membership_freezes_membership_id_index" on "gym"."membership_freezes" ("membership_id");`,
    );

    this.addSql(
      `create table "gym"."plans" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null, "kind" text not null, "sessions" int null, "validity_days" int null, "freeze_max_days_per_year" int not null default 0, "freeze_min_days" int not null default 1, "class_type_ids" uuid[] not null default '{}', "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "plans_tenant_id_index" on "gym"."plans" ("tenant_id");`);

    this.addSql(
      `create table "gym"."plan_prices" ("id" uuid not null, "tenant_id" uuid not null, "plan_id" uuid not null, "branch_id" uuid not null, "amount" bigint not null, "currency" varchar(3) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "plan_prices_tenant_id_index" on "gym"."plan_prices" ("tenant_id");`);
    this.addSql(`create index "plan_prices_plan_id_index" on "gym"."plan_prices" ("plan_id");`);

    this.addSql(
      `alter table "gym"."bookings" add constraint "bookings_status_check" check ("status" in ('booked', 'cancelled'));`,
    );

    this.addSql(
      `alter table "gym"."class_occurrences" add constraint "class_occurrences_status_check" check ("status" in ('scheduled', 'cancelled'));`,
    );

    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_status_check" check ("status" in ('pending_payment', 'active', 'paused', 'expired', 'cancelled'));`,
    );
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_payment_method_check" check ("payment_method" in ('wallet', 'mercadopago'));`,
    );

    this.addSql(
      `alter table "gym"."membership_events" add constraint "membership_events_type_check" check ("type" in ('purchased', 'activated', 'payment_failed', 'paused', 'resumed', 'cancelled', 'session_used', 'session_restored'));`,
    );

    this.addSql(
      `alter table "gym"."plans" add constraint "plans_kind_check" check ("kind" in ('monthly', 'yearly', 'drop_in', 'class_pack'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "gym"."bookings" cascade;`);
    this.addSql(`drop table if exists "gym"."class_occurrences" cascade;`);
    this.addSql(`drop table if exists "gym"."class_schedules" cascade;`);
    this.addSql(`drop table if exists "gym"."class_types" cascade;`);
    this.addSql(`drop table if exists "gym"."settings" cascade;`);
    this.addSql(`drop table if exists "gym"."members" cascade;`);
    this.addSql(`drop table if exists "gym"."memberships" cascade;`);
    this.addSql(`drop table if exists "gym"."membership_events" cascade;`);
    this.addSql(`drop table if exists "gym"."membership_freezes" cascade;`);
    this.addSql(`drop table if exists "gym"."plans" cascade;`);
    this.addSql(`drop table if exists "gym"."plan_prices" cascade;`);
  }
}
