/**
 * Demo data for `make dev` (idempotent): the platform operators' tenant and one business of each
 * kind, with a user per system role. Every demo user's password is DEMO_PASSWORD.
 *   node services/identity/src/seed.ts
 */
import Joi from 'joi';
import { databaseConfigSchema, loadConfigOrExit, runWithContext, withEm } from '@faena/platform';
import { Role, Tenant, User, UserRole } from './domain/entities.ts';
import { hashPassword } from './domain/passwords.ts';
import { SYSTEM_ROLES } from './domain/system-roles.ts';
import { signUp } from './domain/tenants.ts';
import { createIdentityOrm } from './wiring.ts';

export const DEMO_PASSWORD = 'faena-demo-2026';

export const DEMO_TENANTS = [
  {
    slug: 'faena',
    name: 'Faena (operators)',
    kind: 'platform',
    currency: 'USD',
    locale: 'en',
    timeZone: 'UTC',
  },
  {
    slug: 'zentro-gym',
    name: 'Zentro Gym',
    kind: 'gym',
    currency: 'ARS',
    locale: 'es-AR',
    timeZone: 'America/Argentina/Buenos_Aires',
  },
  {
    slug: 'fastops-bistro',
    name: 'FastOps Bistro',
    kind: 'restaurant',
    currency: 'MXN',
    locale: 'es-MX',
    timeZone: 'America/Mexico_City',
  },
  {
    slug: 'cafe-andino',
    name: 'Café Andino',
    kind: 'cafe',
    currency: 'COP',
    locale: 'es-CO',
    timeZone: 'America/Bogota',
  },
  {
    slug: 'conectar',
    name: 'Conectar Profesionales',
    kind: 'marketplace',
    currency: 'CLP',
    locale: 'es-CL',
    timeZone: 'America/Santiago',
  },
] as const;

/** The operators' tenant has its owner only; every business has one user per system role. */
const rolesOf = (kind: string) => (kind === 'platform' ? ['owner'] : SYSTEM_ROLES.map((r) => r.name));

/** `<role>@<slug>.demo`, e.g. cashier@fastops-bistro.demo */
export const demoEmail = (role: string, slug: string) => `${role}@${slug}.demo`;

const config = loadConfigOrExit<{ DATABASE_URL: string; DATABASE_POOL_MAX: number }>(
  Joi.object(databaseConfigSchema),
);
const orm = await createIdentityOrm(config);
try {
  for (const t of DEMO_TENANTS) {
    await withEm(
      orm,
      async (em) => {
        const existing = await em.findOne(Tenant, { slug: t.slug });
        const tenant =
          existing ??
          (
            await signUp(
              em,
              {
                tenant: {
                  slug: t.slug,
                  name: t.name,
                  kind: t.kind,
                  currency: t.currency,
                  locale: t.locale,
                  timeZone: t.timeZone,
                },
                owner: {
                  name: `${t.name} owner`,
                  email: demoEmail('owner', t.slug),
                  password: DEMO_PASSWORD,
                },
              },
              null,
            )
          ).tenant;
        await runWithContext({ tenantId: tenant.id }, async () => {
          for (const role of rolesOf(t.kind)) {
            if (role === 'owner') continue;
            const email = demoEmail(role, t.slug);
            if (await em.findOne(User, { email })) continue;
            const roleRow = await em.findOneOrFail(Role, { name: role, system: true });
            const user = em.create(User, {
              tenantId: tenant.id,
              email,
              name: `Demo ${role}`,
              passwordHash: await hashPassword(DEMO_PASSWORD),
              status: 'active',
            });
            em.create(UserRole, {
              tenantId: tenant.id,
              userId: user.id,
              roleId: roleRow.id,
              branchId: null,
            });
          }
          await em.flush();
        });
        process.stdout.write(
          `seeded ${t.slug} (${t.kind}): ${rolesOf(t.kind)
            .map((r) => demoEmail(r, t.slug))
            .join(', ')}\n`,
        );
      },
      { system: true },
    );
  }
} finally {
  await orm.close();
}
