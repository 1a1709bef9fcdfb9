import { Migration } from '@mikro-orm/migrations';

/**
 * Trainers, routines, workouts, nutrition and member photos (issue 16), and the rules the database
 * holds whoever writes the rows:
 * - a class's trainer has a gym profile (composite foreign keys from schedules and occurrences);
 * - a trainer never teaches two classes at once: exclusion constraint `class_occurrences_trainer_free`
 *   over `tstzrange(starts_at, ends_at)` per trainer among scheduled occurrences (concurrent
 *   assignments too: the second waits for the first and fails);
 * - a trainer teaches only within their weekly availability: trigger
 *   `class_occurrences_trainer_available` (the class's local weekday and times in the trainer's zone
 *   inside one window), reading the profile row `for share` while availability is replaced under
 *   `for update`, so the two serialise;
 * - one version number per template; availability windows well-formed and not overlapping; grams,
 *   sets, reps and macros never negative; one photo per member.
 */
const TABLES: string[] = [
  `create table "gym"."trainers" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
    "display_name" varchar(120) not null, "bio" text not null default '', "specialties" text[] not null default '{}',
    "time_zone" varchar(64) not null, "active" boolean not null default true,
    "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
  `create table "gym"."trainer_availability" ("id" uuid not null, "tenant_id" uuid not null, "trainer_id" uuid not null,
    "weekday" int not null, "start_time" time not null, "end_time" time not null, "created_at" timestamptz not null,
    primary key ("id"));`,
  `create table "gym"."trainer_certifications" ("id" uuid not null, "tenant_id" uuid not null, "trainer_id" uuid not null,
    "name" varchar(200) not null, "issuer" varchar(200) not null default '', "issued_on" date null, "expires_on" date null,
    "storage_key" varchar(300) not null, "content_type" varchar(64) not null, "size" int not null,
    "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
  `create table "gym"."exercises" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null,
    "name_es" varchar(120) not null default '', "muscle_groups" text[] not null default '{}', "equipment" text not null,
    "description" text not null default '', "seed_key" varchar(60) null, "archived" boolean not null default false,
    "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
  `create table "gym"."routine_templates" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null,
    "current_version" int not null default 1, "cloned_from" uuid null, "archived" boolean not null default false,
    "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
  `create table "gym"."routine_versions" ("id" uuid not null, "tenant_id" uuid not null, "template_id" uuid not null,
    "version" int not null, "name" varchar(120) not null, "description" text not null default '',
    "difficulty" text not null, "days" jsonb not null, "created_at" timestamptz not null, "created_by" uuid null,
    primary key ("id"));`,
  `create table "gym"."routine_assignments" ("id" uuid not null, "tenant_id" uuid not null, "member_id" uuid not null,
    "branch_id" uuid not null, "version_id" uuid not null, "trainer_id" uuid not null, "starts_on" date not null,
    "ends_on" date null, "status" text not null default 'active', "created_at" timestamptz not null,
    "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
  `create table "gym"."workout_logs" ("id" uuid not null, "tenant_id" uuid not null, "assignment_id" uuid not null,
    "member_id" uuid not null, "branch_id" uuid not null, "performed_on" date not null, "day_index" int not null,
    "notes" text not null default '', "created_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
  `create table "gym"."workout_sets" ("id" uuid not null, "tenant_id" uuid not null, "log_id" uuid not null,
    "member_id" uuid not null, "exercise_id" uuid not null, "performed_on" date not null, "set_number" int not null,
    "reps" int not null, "weight_grams" int not null default 0, primary key ("id"));`,
  `create table "gym"."ingredients" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null,
    "name_es" varchar(120) not null default '', "kcal_per100g" int not null, "protein_mg_per100g" int not null,
    "carbs_mg_per100g" int not null, "fat_mg_per100g" int not null, "seed_key" varchar(60) null,
    "archived" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null,
    "created_by" uuid null, primary key ("id"));`,
  `create table "gym"."nutrition_plans" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null,
    "description" text not null default '', "is_template" boolean not null, "template_id" uuid null,
    "member_id" uuid null, "branch_id" uuid null, "assigned_by" uuid null, "starts_on" date null, "ends_on" date null,
    "meals" jsonb not null, "kcal" int not null, "protein_mg" int not null, "carbs_mg" int not null, "fat_mg" int not null,
    "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
  `create table "gym"."member_photos" ("member_id" uuid not null, "tenant_id" uuid not null,
    "storage_key" varchar(300) not null, "content_type" varchar(64) not null, "size" int not null,
    "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null,
    primary key ("member_id"));`,
  `create table "gym"."catalog_seeds" ("tenant_id" uuid not null, "catalog" varchar(40) not null,
    "created_at" timestamptz not null, primary key ("tenant_id", "catalog"));`,
];

const INDEXES: Array<[table: string, column: string]> = [
  ['trainers', 'tenant_id'],
  ['trainers', 'branch_id'],
  ['trainer_availability', 'tenant_id'],
  ['trainer_availability', 'trainer_id'],
  ['trainer_certifications', 'tenant_id'],
  ['trainer_certifications', 'trainer_id'],
  ['exercises', 'tenant_id'],
  ['routine_templates', 'tenant_id'],
  ['routine_versions', 'tenant_id'],
  ['routine_versions', 'template_id'],
  ['routine_assignments', 'tenant_id'],
  ['routine_assignments', 'member_id'],
  ['workout_logs', 'tenant_id'],
  ['workout_logs', 'assignment_id'],
  ['workout_logs', 'member_id'],
  ['workout_sets', 'tenant_id'],
  ['workout_sets', 'log_id'],
  ['ingredients', 'tenant_id'],
  ['nutrition_plans', 'tenant_id'],
  ['nutrition_plans', 'member_id'],
  ['member_photos', 'tenant_id'],
];

/** Tenant-consistent references (see `Migration20261201221300_constraints`). */
const FKS: Array<[table: string, column: string, parent: string, onDelete: 'cascade' | 'restrict']> = [
  ['trainer_availability', 'trainer_id', 'trainers', 'cascade'],
  ['trainer_certifications', 'trainer_id', 'trainers', 'cascade'],
  ['class_schedules', 'trainer_id', 'trainers', 'restrict'],
  ['class_occurrences', 'trainer_id', 'trainers', 'restrict'],
  ['routine_templates', 'cloned_from', 'routine_templates', 'restrict'],
  ['routine_versions', 'template_id', 'routine_templates', 'cascade'],
  ['routine_assignments', 'member_id', 'members', 'restrict'],
  ['routine_assignments', 'version_id', 'routine_versions', 'restrict'],
  ['workout_logs', 'assignment_id', 'routine_assignments', 'restrict'],
  ['workout_logs', 'member_id', 'members', 'restrict'],
  ['workout_sets', 'log_id', 'workout_logs', 'cascade'],
  ['workout_sets', 'member_id', 'members', 'restrict'],
  ['workout_sets', 'exercise_id', 'exercises', 'restrict'],
  ['nutrition_plans', 'template_id', 'nutrition_plans', 'restrict'],
  ['nutrition_plans', 'member_id', 'members', 'restrict'],
  ['member_photos', 'member_id', 'members', 'cascade'],
];
const NEW_PARENTS = [
  'trainers',
  'routine_templates',
  'routine_versions',
  'routine_assignments',
  'workout_logs',
  'exercises',
  'nutrition_plans',
];

const CHECKS: Array<[table: string, name: string, check: string]> = [
  [
    'trainer_availability',
    'trainer_availability_check',
    `"weekday" between 1 and 7 and "end_time" > "start_time"`,
  ],
  [
    'trainer_certifications',
    'trainer_certifications_days_check',
    `"expires_on" is null or "issued_on" is null or "expires_on" > "issued_on"`,
  ],
  [
    'routine_versions',
    'routine_versions_version_check',
    `"version" > 0 and "difficulty" in ('beginner', 'intermediate', 'advanced')`,
  ],
  ['routine_templates', 'routine_templates_version_check', `"current_version" > 0`],
  [
    'routine_assignments',
    'routine_assignments_check',
    `"status" in ('active', 'ended') and ("ends_on" is null or "ends_on" > "starts_on")`,
  ],
  ['workout_logs', 'workout_logs_day_check', `"day_index" >= 0`],
  ['workout_sets', 'workout_sets_check', `"set_number" > 0 and "reps" >= 0 and "weight_grams" >= 0`],
  [
    'exercises',
    'exercises_equipment_check',
    `"equipment" in ('barbell', 'dumbbell', 'kettlebell', 'machine', 'cable', 'bodyweight', 'band', 'bench', 'cardio_machine', 'other')`,
  ],
  [
    'ingredients',
    'ingredients_macros_check',
    `"kcal_per100g" between 0 and 900 and "protein_mg_per100g" between 0 and 100000
    and "carbs_mg_per100g" between 0 and 100000 and "fat_mg_per100g" between 0 and 100000
    and "protein_mg_per100g" + "carbs_mg_per100g" + "fat_mg_per100g" <= 100000`,
  ],
  [
    'nutrition_plans',
    'nutrition_plans_kind_check',
    `("is_template" and "member_id" is null and "branch_id" is null)
    or (not "is_template" and "member_id" is not null and "branch_id" is not null and "starts_on" is not null)`,
  ],
  ['nutrition_plans', 'nutrition_plans_days_check', `"ends_on" is null or "ends_on" > "starts_on"`],
  [
    'nutrition_plans',
    'nutrition_plans_macros_check',
    `"kcal" >= 0 and "protein_mg" >= 0 and "carbs_mg" >= 0 and "fat_mg" >= 0`,
  ],
  ['member_photos', 'member_photos_size_check', `"size" > 0`],
];

/**
 * The availability rule: a scheduled occurrence with a trainer must lie inside one of the trainer's
 * windows on its local weekday (the trainer's zone, wall-clock: a class ending at midnight fits a
 * window ending at 24:00, one crossing midnight fits none). No profile: a foreign-key violation.
 */
const AVAILABILITY_FUNCTION = `create or replace function "gym"."class_occurrences_trainer_available"() returns trigger
  language plpgsql as $$
declare
  tz text;
  local_start timestamp;
  local_end timestamp;
begin
  if new.trainer_id is null or new.status <> 'scheduled' then
    return new;
  end if;
  select t.time_zone into tz from "gym"."trainers" t
    where t.tenant_id = new.tenant_id and t.id = new.trainer_id and t.active
    for share;
  if not found then
    raise exception 'trainer % has no active gym profile', new.trainer_id
      using errcode = '23503', constraint = 'class_occurrences_trainer_profile';
  end if;
  local_start := new.starts_at at time zone tz;
  local_end := new.ends_at at time zone tz;
  if not exists (
    select 1 from "gym"."trainer_availability" a
      where a.tenant_id = new.tenant_id and a.trainer_id = new.trainer_id
        and a.weekday = extract(isodow from local_start)
        and a.start_time <= local_start::time
        and (local_start::time - time '00:00') + (local_end - local_start) <= (a.end_time - time '00:00')
  ) then
    raise exception 'the class is outside the availability of trainer %', new.trainer_id
      using errcode = '23514', constraint = 'class_occurrences_trainer_available';
  end if;
  return new;
end $$;`;

export class Migration20261206130000_training extends Migration {
  override name = 'Migration20261206130000_training';

  override up(): void | Promise<void> {
    for (const t of TABLES) this.addSql(t);
    for (const [table, column] of INDEXES)
      this.addSql(`create index "${table}_${column}_index" on "gym"."${table}" ("${column}");`);
    for (const parent of NEW_PARENTS)
      this.addSql(
        `alter table "gym"."${parent}" add constraint "${parent}_tenant_id_id_unique" unique ("tenant_id", "id");`,
      );
    for (const [table, column, parent, onDelete] of FKS)
      this.addSql(
        `alter table "gym"."${table}" add constraint "${table}_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "gym"."${parent}" ("tenant_id", "id") on update cascade on delete ${onDelete} deferrable initially deferred;`,
      );
    for (const [table, name, check] of CHECKS)
      this.addSql(`alter table "gym"."${table}" add constraint "${name}" check (${check});`);
    this.addSql(
      `alter table "gym"."trainer_availability" add constraint "trainer_availability_no_overlap" exclude using gist
        ("tenant_id" with =, "trainer_id" with =, "weekday" with =,
         tsrange('2000-01-01'::date + "start_time", '2000-01-01'::date + "end_time") with &&);`,
    );
    this.addSql(
      `alter table "gym"."routine_versions" add constraint "routine_versions_unique" unique ("tenant_id", "template_id", "version");`,
    );
    this.addSql(
      `create unique index "exercises_seed_unique" on "gym"."exercises" ("tenant_id", "seed_key") where "seed_key" is not null;`,
    );
    this.addSql(
      `create unique index "ingredients_seed_unique" on "gym"."ingredients" ("tenant_id", "seed_key") where "seed_key" is not null;`,
    );
    this.addSql(
      `create index "workout_sets_progress_index" on "gym"."workout_sets" ("tenant_id", "member_id", "exercise_id", "performed_on");`,
    );
    this.addSql(
      `alter table "gym"."class_occurrences" add constraint "class_occurrences_trainer_free" exclude using gist
        ("tenant_id" with =, "trainer_id" with =, tstzrange("starts_at", "ends_at") with &&)
        where ("trainer_id" is not null and "status" = 'scheduled');`,
    );
    this.addSql(AVAILABILITY_FUNCTION);
    this.addSql(
      `create trigger "class_occurrences_trainer_available" before insert or update of "trainer_id", "starts_at", "ends_at", "status"
        on "gym"."class_occurrences" for each row execute function "gym"."class_occurrences_trainer_available"();`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "class_occurrences_trainer_available" on "gym"."class_occurrences";`);
    this.addSql(`drop function if exists "gym"."class_occurrences_trainer_available"();`);
    this.addSql(
      `alter table "gym"."class_occurrences" drop constraint if exists "class_occurrences_trainer_free";`,
    );
    for (const table of ['class_schedules', 'class_occurrences'])
      this.addSql(
        `alter table "gym"."${table}" drop constraint if exists "${table}_tenant_trainer_id_foreign";`,
      );
    for (const table of [
      'catalog_seeds',
      'member_photos',
      'nutrition_plans',
      'ingredients',
      'workout_sets',
      'workout_logs',
      'routine_assignments',
      'routine_versions',
      'routine_templates',
      'exercises',
      'trainer_certifications',
      'trainer_availability',
      'trainers',
    ])
      this.addSql(`drop table if exists "gym"."${table}" cascade;`);
  }
}
