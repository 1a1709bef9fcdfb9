import { Migration } from '@mikro-orm/migrations';

export class Migration20261123153814_init extends Migration {
  override name = 'Migration20261123153814_init';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "marketplace"."disputes" ("id" uuid not null, "tenant_id" uuid not null, "job_id" uuid not null, "opened_by" uuid not null, "reason" varchar(1000) not null, "evidence" text[] not null default '{}', "status" text not null default 'open', "refund_amount" bigint null, "payout_amount" bigint null, "resolution_note" varchar(1000) null, "resolved_by" uuid null, "resolved_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "disputes_tenant_id_index" on "marketplace"."disputes" ("tenant_id");`);

    this.addSql(
      `create table "marketplace"."jobs" ("id" uuid not null, "tenant_id" uuid not null, "offer_id" uuid not null, "client_id" uuid not null, "professional_id" uuid not null, "description" text not null, "amount" bigint not null, "currency" varchar(3) not null, "commission_bps" int not null, "level_at_acceptance" int not null, "payment_method" text not null, "status" text not null default 'awaiting_payment', "workflow_id" varchar(255) not null, "payout_amount" bigint null, "refund_amount" bigint null, "completed_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "jobs_tenant_id_index" on "marketplace"."jobs" ("tenant_id");`);
    this.addSql(`create index "jobs_client_id_index" on "marketplace"."jobs" ("client_id");`);
    this.addSql(`create index "jobs_professional_id_index" on "marketplace"."jobs" ("professional_id");`);

    this.addSql(
      `create table "marketplace"."job_events" ("id" uuid not null, "tenant_id" uuid not null, "job_id" uuid not null, "status" text not null, "actor" text not null, "actor_id" uuid null, "reason" varchar(1000) null, "data" jsonb null, "key" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "job_events_tenant_id_index" on "marketplace"."job_events" ("tenant_id");`);
    this.addSql(`create index "job_events_job_id_index" on "marketplace"."job_events" ("job_id");`);

    this.addSql(
      `create table "marketplace"."kyc_documents" ("id" uuid not null, "tenant_id" uuid not null, "professional_id" uuid not null, "kind" text not null, "storage_key" varchar(300) not null, "content_type" varchar(64) not null, "size" int not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "kyc_documents_tenant_id_index" on "marketplace"."kyc_documents" ("tenant_id");`,
    );
    this.addSql(
      `create index "kyc_documents_professional_id_index" on "marketplace"."kyc_documents" ("professional_id");`,
    );

    this.addSql(
      `create table "marketplace"."offers" ("id" uuid not null, "tenant_id" uuid not null, "professional_id" uuid not null, "client_id" uuid not null, "description" text not null, "amount" bigint not null, "currency" varchar(3) not null, "expires_at" timestamptz not null, "status" text not null default 'pending', "responded_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "offers_tenant_id_index" on "marketplace"."offers" ("tenant_id");`);
    this.addSql(`create index "offers_professional_id_index" on "marketplace"."offers" ("professional_id");`);
    this.addSql(`create index "offers_client_id_index" on "marketplace"."offers" ("client_id");`);

    this.addSql(
      `create table "marketplace"."portfolio_images" ("id" uuid not null, "tenant_id" uuid not null, "item_id" uuid not null, "position" int not null, "storage_key" varchar(300) not null, "content_type" varchar(64) not null, "size" int not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "portfolio_images_tenant_id_index" on "marketplace"."portfolio_images" ("tenant_id");`,
    );
    this.addSql(
      `create index "portfolio_images_item_id_index" on "marketplace"."portfolio_images" ("item_id");`,
    );

    this.addSql(
      `create table "marketplace"."portfolio_items" ("id" uuid not null, "tenant_id" uuid not null, "professional_id" uuid not null, "title" varchar(120) not null, "description" text not null default '', "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "portfolio_items_tenant_id_index" on "marketplace"."portfolio_items" ("tenant_id");`,
    );
    this.addSql(
      `create index "portfolio_items_professional_id_index" on "marketplace"."portfolio_items" ("professional_id");`,
    );

    this.addSql(
      `create table "marketplace"."professionals" ("id" uuid not null, "tenant_id" uuid not null, "display_name" varchar(120) not null, "bio" text not null default '', "categories" text[] not null default '{}', "skills" text[] not null default '{}', "latitude" double precision not null, "longitude" double precision not null, "radius_meters" int not null, "kyc_status" text not null default 'pending', "kyc_note" varchar(500) null, "kyc_reviewed_by" uuid null, "kyc_reviewed_at" timestamptz null, "rating_count" int not null default 0, "rating_sum" int not null default 0, "rating_avg" double precision not null default 0, "xp" int not null default 0, "level" int not null default 1, "completed_jobs" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "professionals_tenant_id_index" on "marketplace"."professionals" ("tenant_id");`,
    );

    this.addSql(
      `create table "marketplace"."reviews" ("id" uuid not null, "tenant_id" uuid not null, "job_id" uuid not null, "professional_id" uuid not null, "client_id" uuid not null, "rating" int not null, "text" varchar(2000) not null default '', "reply" varchar(2000) null, "replied_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "reviews_tenant_id_index" on "marketplace"."reviews" ("tenant_id");`);
    this.addSql(
      `create index "reviews_professional_id_index" on "marketplace"."reviews" ("professional_id");`,
    );

    this.addSql(
      `create table "marketplace"."xp_awards" ("id" uuid not null, "tenant_id" uuid not null, "professional_id" uuid not null, "job_id" uuid not null, "reason" text not null, "xp" int not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "xp_awards_tenant_id_index" on "marketplace"."xp_awards" ("tenant_id");`);
    this.addSql(
      `create index "xp_awards_professional_id_index" on "marketplace"."xp_awards" ("professional_id");`,
    );

    this.addSql(
      `alter table "marketplace"."disputes" add constraint "disputes_status_check" check ("status" in ('open', 'resolved'));`,
    );

    this.addSql(
      `alter table "marketplace"."jobs" add constraint "jobs_payment_method_check" check ("payment_method" in ('mercadopago', 'wallet'));`,
    );
    this.addSql(
      `alter table "marketplace"."jobs" add constraint "jobs_status_check" check ("status" in ('awaiting_payment', 'in_progress', 'completed_by_professional', 'approved', 'paid_out', 'disputed', 'resolved', 'cancelled'));`,
    );

    this.addSql(
      `alter table "marketplace"."job_events" add constraint "job_events_status_check" check ("status" in ('awaiting_payment', 'in_progress', 'completed_by_professional', 'approved', 'paid_out', 'disputed', 'resolved', 'cancelled'));`,
    );
    this.addSql(
      `alter table "marketplace"."job_events" add constraint "job_events_actor_check" check ("actor" in ('system', 'client', 'professional', 'operator'));`,
    );

    this.addSql(
      `alter table "marketplace"."kyc_documents" add constraint "kyc_documents_kind_check" check ("kind" in ('id_front', 'id_back', 'selfie', 'certificate', 'other'));`,
    );

    this.addSql(
      `alter table "marketplace"."offers" add constraint "offers_status_check" check ("status" in ('pending', 'accepted', 'rejected', 'withdrawn'));`,
    );

    this.addSql(
      `alter table "marketplace"."professionals" add constraint "professionals_kyc_status_check" check ("kyc_status" in ('pending', 'approved', 'rejected'));`,
    );

    this.addSql(
      `alter table "marketplace"."xp_awards" add constraint "xp_awards_reason_check" check ("reason" in ('job_completed', 'good_review'));`,
    );
    // ---- Invariants kept by the database itself (written by hand after generation) ----
    // The service area: a PostGIS point derived from latitude/longitude (MikroORM never maps it), GiST-indexed for search.
    // Migrations run with search_path = marketplace: PostGIS (installed in public) is named in full.
    this.addSql(`create extension if not exists postgis schema public;`);
    this.addSql(
      `alter table "marketplace"."professionals" add column "location" public.geography(Point, 4326) generated always as (public.ST_SetSRID(public.ST_MakePoint("longitude", "latitude"), 4326)::public.geography) stored;`,
    );
    this.addSql(
      `create index "professionals_location_gist" on "marketplace"."professionals" using gist ("location");`,
    );
    this.addSql(
      `create index "professionals_categories_gin" on "marketplace"."professionals" using gin ("categories");`,
    );
    this.addSql(
      `alter table "marketplace"."professionals" add constraint "professionals_coordinates_check" check ("latitude" between -90 and 90 and "longitude" between -180 and 180);`,
    );
    this.addSql(
      `alter table "marketplace"."professionals" add constraint "professionals_radius_check" check ("radius_meters" between 100 and 500000);`,
    );
    this.addSql(
      `alter table "marketplace"."professionals" add constraint "professionals_rating_check" check ("rating_count" >= 0 and "rating_sum" between "rating_count" and 5 * "rating_count" and "rating_avg" between 0 and 5);`,
    );
    this.addSql(
      `alter table "marketplace"."professionals" add constraint "professionals_progress_check" check ("xp" >= 0 and "level" >= 1 and "completed_jobs" >= 0);`,
    );
    // Children of a professional reference it.
    for (const table of ['kyc_documents', 'portfolio_items', 'offers', 'jobs', 'reviews', 'xp_awards'])
      this.addSql(
        `alter table "marketplace"."${table}" add constraint "${table}_professional_fk" foreign key ("professional_id") references "marketplace"."professionals" ("id") deferrable initially deferred;`,
      );
    this.addSql(
      `alter table "marketplace"."portfolio_images" add constraint "portfolio_images_item_fk" foreign key ("item_id") references "marketplace"."portfolio_items" ("id") on delete cascade deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "marketplace"."portfolio_images" add constraint "portfolio_images_position_unique" unique ("item_id", "position");`,
    );
    // Offers: a positive price in minor units, an ISO currency.
    this.addSql(
      `alter table "marketplace"."offers" add constraint "offers_amount_positive" check ("amount" > 0);`,
    );
    this.addSql(
      `alter table "marketplace"."offers" add constraint "offers_currency_check" check ("currency" ~ '^[A-Z]{3}$');`,
    );
    this.addSql(
      `alter table "marketplace"."offers" add constraint "offers_client_not_professional" check ("client_id" <> "professional_id");`,
    );
    // Jobs: one per offer, one workflow per job, a commission rate between 0% and 100%.
    this.addSql(`alter table "marketplace"."jobs" add constraint "jobs_offer_unique" unique ("offer_id");`);
    this.addSql(
      `alter table "marketplace"."jobs" add constraint "jobs_workflow_id_unique" unique ("workflow_id");`,
    );
    this.addSql(
      `alter table "marketplace"."jobs" add constraint "jobs_offer_fk" foreign key ("offer_id") references "marketplace"."offers" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "marketplace"."jobs" add constraint "jobs_commission_check" check ("commission_bps" between 0 and 10000);`,
    );
    this.addSql(
      `alter table "marketplace"."jobs" add constraint "jobs_amounts_check" check ("amount" > 0 and coalesce("payout_amount", 0) >= 0 and coalesce("refund_amount", 0) >= 0 and coalesce("payout_amount", 0) + coalesce("refund_amount", 0) <= "amount");`,
    );
    // The timeline: append-only, one entry per idempotency key.
    this.addSql(
      `alter table "marketplace"."job_events" add constraint "job_events_key_unique" unique ("tenant_id", "key");`,
    );
    this.addSql(
      `alter table "marketplace"."job_events" add constraint "job_events_job_fk" foreign key ("job_id") references "marketplace"."jobs" ("id") deferrable initially deferred;`,
    );
    // One dispute and one review per job; ratings 1-5; XP once per job and reason.
    this.addSql(
      `alter table "marketplace"."disputes" add constraint "disputes_job_unique" unique ("job_id");`,
    );
    this.addSql(
      `alter table "marketplace"."disputes" add constraint "disputes_job_fk" foreign key ("job_id") references "marketplace"."jobs" ("id") deferrable initially deferred;`,
    );
    this.addSql(`alter table "marketplace"."reviews" add constraint "reviews_job_unique" unique ("job_id");`);
    this.addSql(
      `alter table "marketplace"."reviews" add constraint "reviews_job_fk" foreign key ("job_id") references "marketplace"."jobs" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "marketplace"."reviews" add constraint "reviews_rating_check" check ("rating" between 1 and 5);`,
    );
    this.addSql(
      `alter table "marketplace"."xp_awards" add constraint "xp_awards_unique" unique ("tenant_id", "job_id", "reason");`,
    );
    this.addSql(
      `alter table "marketplace"."xp_awards" add constraint "xp_awards_job_fk" foreign key ("job_id") references "marketplace"."jobs" ("id") deferrable initially deferred;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "marketplace"."disputes" cascade;`);
    this.addSql(`drop table if exists "marketplace"."jobs" cascade;`);
    this.addSql(`drop table if exists "marketplace"."job_events" cascade;`);
    this.addSql(`drop table if exists "marketplace"."kyc_documents" cascade;`);
    this.addSql(`drop table if exists "marketplace"."offers" cascade;`);
    this.addSql(`drop table if exists "marketplace"."portfolio_images" cascade;`);
    this.addSql(`drop table if exists "marketplace"."portfolio_items" cascade;`);
    this.addSql(`drop table if exists "marketplace"."professionals" cascade;`);
    this.addSql(`drop table if exists "marketplace"."reviews" cascade;`);
    this.addSql(`drop table if exists "marketplace"."xp_awards" cascade;`);
  }
}
