/**
 * Demo data for `make dev` (idempotent): the platform operators' tenant and one business of each
 * kind, with a user per system role (and the extra users and branches demo.ts gives some of them).
 * Every demo user's password is DEMO_PASSWORD.
 *   node services/identity/src/seed.ts
 */
import Joi from 'joi';
import { databaseConfigSchema, loadConfigOrExit, runWithContext, withEm } from '@faena/platform';
import { Branch, Role, Tenant, User, UserRole } from './domain/entities.ts';
import { hashPassword } from './domain/passwords.ts';
import { startingPlan } from './domain/plans.ts';
import { signUp } from './domain/tenants.ts';
import { DEMO_BRANCHES, DEMO_EXTRA_USERS, DEMO_PASSWORD, DEMO_TENANTS, demoEmail, rolesOf } from './demo.ts';
import { createIdentityOrm } from './wiring.ts';

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
                  ...('plan' in t && { plan: t.plan }),
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
        // A business an earlier seed left on the free plan gets its demo plan (its trial from today).
        if ('plan' in t && tenant.plan === 'free' && tenant.subscriptionStatus === 'none') {
          Object.assign(tenant, startingPlan(t.plan, tenant.timeZone));
          await em.flush();
        }
        await runWithContext({ tenantId: tenant.id }, async () => {
          // Branches first: a demo user may hold its role in one of them.
          for (const b of DEMO_BRANCHES[t.slug] ?? [])
            if (!(await em.findOne(Branch, { tenantId: tenant.id, name: b.name })))
              em.create(Branch, { tenantId: tenant.id, ...b });
          await em.flush();
          const users: Array<{ role: string; email: string; name: string; branch?: string }> = [
            ...rolesOf(t.kind)
              .filter((role) => role !== 'owner')
              .map((role) => ({ role, email: demoEmail(role, t.slug), name: `Demo ${role}` })),
            ...(DEMO_EXTRA_USERS[t.slug] ?? []).map((u) => ({
              role: u.role,
              email: demoEmail(u.local, t.slug),
              name: u.name,
              ...(u.branch && { branch: u.branch }),
            })),
          ];
          for (const { role, email, name, branch } of users) {
            // System work: the tenant filter is off, so every lookup names the tenant (an earlier
            // seed gave demo users another tenant's role, hence no permissions; repaired below).
            const roleRow = await em.findOneOrFail(Role, { tenantId: tenant.id, name: role, system: true });
            const branchId = branch
              ? (await em.findOneOrFail(Branch, { tenantId: tenant.id, name: branch })).id
              : null;
            const existingUser = await em.findOne(User, { tenantId: tenant.id, email });
            const user =
              existingUser ??
              em.create(User, {
                tenantId: tenant.id,
                email,
                name,
                passwordHash: await hashPassword(DEMO_PASSWORD),
                status: 'active',
              });
            const held = existingUser
              ? await em.find(UserRole, { tenantId: tenant.id, userId: user.id })
              : [];
            if (
              held.length === 1 &&
              held[0]!.roleId === roleRow.id &&
              (held[0]!.branchId ?? null) === branchId
            )
              continue;
            for (const r of held) em.remove(r);
            em.create(UserRole, {
              tenantId: tenant.id,
              userId: user.id,
              roleId: roleRow.id,
              branchId,
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
