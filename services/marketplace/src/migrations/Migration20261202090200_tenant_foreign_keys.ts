import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant-consistent references (issue 13): a professional's documents, portfolio, offers, jobs,
 * reviews and XP; portfolio images → item (still cascading); jobs → offer; job events, disputes,
 * reviews and XP awards → job.
 * Each reference becomes a composite foreign key `(tenant_id, x_id) → x (tenant_id, id)` (over a new
 * `unique (tenant_id, id)` of the referenced table), so no code path — system context included —
 * can point a row at another tenant's row. Same ON DELETE as before (soft deletes keep parents),
 * deferrable and checked at commit like the init migration's: entities hold plain ids, so the unit
 * of work does not order inserts by them. Hand-written: MikroORM cannot declare a foreign key to a
 * unique key other than the primary key, so the entities (and `.snapshot.json`) do not know these
 * constraints and a generated migration never touches them. tests/security/tenant-fks.test.ts
 * checks every one of them, and that no `*_id` column naming a table of the schema lacks one.
 */
export class Migration20261202090200_tenant_foreign_keys extends Migration {
  override name = 'Migration20261202090200_tenant_foreign_keys';

  override up(): void | Promise<void> {
    for (const table of PARENTS)
      this.addSql(
        `alter table "marketplace"."${table}" add constraint "${table}_tenant_id_unique" unique ("tenant_id", "id");`,
      );
    for (const fk of FKS) {
      if (fk.replaces) this.addSql(`alter table "marketplace"."${fk.table}" drop constraint "${fk.name}";`);
      this.addSql(
        `alter table "marketplace"."${fk.table}" add constraint "${fk.name}" foreign key ("tenant_id", "${fk.column}") references "marketplace"."${fk.references}" ("tenant_id", "id")${onDelete(fk)} deferrable initially deferred;`,
      );
    }
  }

  override down(): void | Promise<void> {
    for (const fk of [...FKS].reverse()) {
      this.addSql(`alter table "marketplace"."${fk.table}" drop constraint "${fk.name}";`);
      if (fk.replaces)
        this.addSql(
          `alter table "marketplace"."${fk.table}" add constraint "${fk.name}" foreign key ("${fk.column}") references "marketplace"."${fk.references}" ("id")${onDelete(fk)} deferrable initially deferred;`,
        );
    }
    for (const table of [...PARENTS].reverse())
      this.addSql(`alter table "marketplace"."${table}" drop constraint "${table}_tenant_id_unique";`);
  }
}

interface TenantFk {
  name: string;
  table: string;
  column: string;
  references: string;
  /** The single-column foreign key of the same name this one replaces (restored by `down`). */
  replaces?: true;
  onDelete?: 'cascade';
}

const onDelete = (fk: TenantFk) => (fk.onDelete ? ` on delete ${fk.onDelete}` : '');

const FKS: TenantFk[] = [
  {
    name: 'kyc_documents_professional_fk',
    table: 'kyc_documents',
    column: 'professional_id',
    references: 'professionals',
    replaces: true,
  },
  {
    name: 'portfolio_items_professional_fk',
    table: 'portfolio_items',
    column: 'professional_id',
    references: 'professionals',
    replaces: true,
  },
  {
    name: 'offers_professional_fk',
    table: 'offers',
    column: 'professional_id',
    references: 'professionals',
    replaces: true,
  },
  {
    name: 'jobs_professional_fk',
    table: 'jobs',
    column: 'professional_id',
    references: 'professionals',
    replaces: true,
  },
  {
    name: 'reviews_professional_fk',
    table: 'reviews',
    column: 'professional_id',
    references: 'professionals',
    replaces: true,
  },
  {
    name: 'xp_awards_professional_fk',
    table: 'xp_awards',
    column: 'professional_id',
    references: 'professionals',
    replaces: true,
  },
  {
    name: 'portfolio_images_item_fk',
    table: 'portfolio_images',
    column: 'item_id',
    references: 'portfolio_items',
    replaces: true,
    onDelete: 'cascade',
  },
  { name: 'jobs_offer_fk', table: 'jobs', column: 'offer_id', references: 'offers', replaces: true },
  { name: 'job_events_job_fk', table: 'job_events', column: 'job_id', references: 'jobs', replaces: true },
  { name: 'disputes_job_fk', table: 'disputes', column: 'job_id', references: 'jobs', replaces: true },
  { name: 'reviews_job_fk', table: 'reviews', column: 'job_id', references: 'jobs', replaces: true },
  { name: 'xp_awards_job_fk', table: 'xp_awards', column: 'job_id', references: 'jobs', replaces: true },
];

const PARENTS = [...new Set(FKS.map((fk) => fk.references))];
