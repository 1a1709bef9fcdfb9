/**
 * The gym's demo for `make dev` (idempotent: run again, it adds only what is missing and keeps a
 * live membership and the coming bookings of each demo member): identity's demo business
 * `zentro-gym`, whose branches and staff identity's seed creates (dev.sh seeds identity first),
 * gets the trainers, members, plans, classes and store of demo.ts. Memberships are written as
 * bought at the desk before the system (active, no payment in payments): nothing is charged.
 *   node services/gym/src/seed.ts
 */
import Joi from 'joi';
import type { EntityManager } from '@mikro-orm/postgresql';
import { databaseConfigSchema, loadConfigOrExit, runWithContext, withEm } from '@faena/platform';
import { Branch, Tenant, User } from '../../identity/src/domain/entities.ts';
import { createIdentityOrm } from '../../identity/src/wiring.ts';
import { gymKeysSchema } from './config.ts';
import { todayIn } from './domain/dates.ts';
import {
  CLASSES,
  CLASS_TYPES,
  DEMO_CURRENCY,
  DEMO_GYM,
  DEMO_ZONE,
  MEMBERS,
  PLANS,
  PRODUCTS,
  TRAINERS,
  demoUserEmail,
  memberEmail,
  type DemoBranch,
} from './demo.ts';
import { book, bookingOpen } from './domain/bookings.ts';
import { createSchedule, generateOccurrences } from './domain/classes.ts';
import {
  Booking,
  ClassOccurrence,
  ClassSchedule,
  ClassType,
  LIVE_MEMBERSHIP_STATUSES,
  Member,
  Membership,
  Plan,
} from './domain/entities.ts';
import { endOf, recordMembershipEvent } from './domain/memberships.ts';
import { createMember } from './domain/members.ts';
import { createPlan, setPrice } from './domain/plans.ts';
import { saveSettings, settingsOf } from './domain/settings.ts';
import { createProduct, recordMovement } from './domain/store.ts';
import { Product, StockLevel } from './domain/store-entities.ts';
import { createTrainer } from './domain/trainers.ts';
import { Trainer } from './domain/training-entities.ts';
import { createGymOrm } from './wiring.ts';

const config = loadConfigOrExit<{
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
  OCCURRENCE_WEEKS_AHEAD: number;
}>(Joi.object({ ...databaseConfigSchema, OCCURRENCE_WEEKS_AHEAD: gymKeysSchema.OCCURRENCE_WEEKS_AHEAD }));

/** What identity's seed made: the tenant, its owner, branches and users by email. */
async function identityDemo() {
  const orm = await createIdentityOrm(config);
  try {
    return await withEm(
      orm,
      async (em) => {
        const tenant = await em.findOne(Tenant, { slug: DEMO_GYM });
        if (!tenant)
          throw new Error(
            `identity has no ${DEMO_GYM}: run identity's seed first (services/identity/src/seed.ts)`,
          );
        const branches = await em.find(Branch, { tenantId: tenant.id, deletedAt: null });
        const users = await em.find(User, { tenantId: tenant.id });
        const branchId = (name: DemoBranch) => {
          const b = branches.find((x) => x.name === name);
          if (!b) throw new Error(`${DEMO_GYM} has no branch ${name}: run identity's seed first`);
          return b.id;
        };
        const userId = (local: string) => {
          const u = users.find((x) => x.email === demoUserEmail(local));
          if (!u)
            throw new Error(`${DEMO_GYM} has no user ${demoUserEmail(local)}: run identity's seed first`);
          return u.id;
        };
        return { tenantId: tenant.id, ownerId: userId('owner'), branchId, userId };
      },
      { system: true },
    );
  } finally {
    await orm.close();
  }
}

async function seed(em: EntityManager, ids: Awaited<ReturnType<typeof identityDemo>>) {
  const { tenantId, branchId, userId } = ids;
  await saveSettings(em, tenantId, { timeZone: DEMO_ZONE });
  const today = todayIn(DEMO_ZONE);

  for (const t of TRAINERS) {
    const id = userId(t.local);
    if (await em.findOne(Trainer, { id })) continue;
    await createTrainer(em, {
      userId: id,
      branchId: branchId(t.branch),
      displayName: t.displayName,
      bio: t.bio,
      specialties: t.specialties,
      timeZone: DEMO_ZONE,
      availability: t.availability,
    });
  }

  const classTypes = new Map<string, string>();
  for (const c of CLASS_TYPES) {
    const row =
      (await em.findOne(ClassType, { name: c.name })) ??
      em.create(ClassType, { name: c.name, description: c.description });
    await em.flush();
    classTypes.set(c.name, row.id);
  }

  const plans = new Map<string, Plan>();
  for (const p of PLANS) {
    const plan =
      (await em.findOne(Plan, { name: p.name })) ??
      (await createPlan(em, {
        name: p.name,
        kind: p.kind,
        sessions: p.sessions ?? null,
        validityDays: p.validityDays ?? null,
        freeze: p.freeze,
      }));
    for (const [branch, amount] of Object.entries(p.prices))
      await setPrice(em, plan, branchId(branch as DemoBranch), BigInt(amount), DEMO_CURRENCY);
    plans.set(p.name, plan);
  }

  const schedules: ClassSchedule[] = [];
  for (const c of CLASSES) {
    const where = {
      branchId: branchId(c.branch),
      classTypeId: classTypes.get(c.type)!,
      weekday: c.weekday,
      startTime: c.startTime,
    };
    const existing = await em.findOne(ClassSchedule, where);
    if (existing) {
      await generateOccurrences(em, existing, config.OCCURRENCE_WEEKS_AHEAD);
      schedules.push(existing);
      continue;
    }
    const { schedule } = await createSchedule(
      em,
      {
        ...where,
        trainerId: userId(c.trainer),
        room: c.room,
        durationMinutes: c.durationMinutes,
        capacity: c.capacity,
        timeZone: DEMO_ZONE,
        startsOn: today,
      },
      config.OCCURRENCE_WEEKS_AHEAD,
    );
    schedules.push(schedule);
  }

  const settings = await settingsOf(em, tenantId);
  const now = new Date();
  for (const m of MEMBERS) {
    const email = memberEmail(m);
    const member =
      (await em.findOne(Member, { email })) ??
      (await createMember(em, {
        branchId: branchId(m.branch),
        userId: m.user ? userId(m.user) : null,
        firstName: m.firstName,
        lastName: m.lastName,
        email,
        phone: m.phone,
        document: m.document,
      }));
    if (m.plan) {
      const covering = await em.findOne(Membership, {
        memberId: member.id,
        status: { $in: [...LIVE_MEMBERSHIP_STATUSES] },
        startsOn: { $lte: today },
        endsOn: { $gt: today },
      });
      if (!covering) {
        const plan = plans.get(m.plan)!;
        const amount = BigInt(PLANS.find((p) => p.name === m.plan)!.prices[m.branch]);
        const membership = em.create(Membership, {
          memberId: member.id,
          planId: plan.id,
          branchId: member.branchId,
          status: 'active',
          startsOn: today,
          endsOn: endOf(plan, today),
          sessionsLeft: plan.sessions ?? null,
          amount,
          currency: DEMO_CURRENCY,
          paymentMethod: 'wallet',
          purchaseKey: `demo-seed:${member.id}:${today}`,
        });
        recordMembershipEvent(em, membership, 'activated', ids.ownerId, { seeded: true });
        await em.flush();
      }
    }
    for (const index of m.books ?? []) {
      const schedule = schedules[index]!;
      const coming = await em.find(
        ClassOccurrence,
        { scheduleId: schedule.id, status: 'scheduled', startsAt: { $gt: now } },
        { orderBy: { startsAt: 'asc' } },
      );
      const booked = await em.count(Booking, {
        memberId: member.id,
        status: 'booked',
        occurrenceId: { $in: coming.map((o) => o.id) },
      });
      const next = coming.find((o) => bookingOpen(o, settings, now));
      if (booked || !next) continue;
      await book(em, { occurrenceId: next.id, member, settings, now, actor: ids.ownerId }, (tx, id) =>
        tx.findOneOrFail(ClassOccurrence, { id }),
      );
    }
  }

  for (const p of PRODUCTS) {
    const product =
      (await em.findOne(Product, { sku: p.sku })) ??
      (await createProduct(em, {
        sku: p.sku,
        name: p.name,
        description: p.description,
        category: p.category,
        price: p.price,
        currency: DEMO_CURRENCY,
        lowStockThreshold: p.lowStockThreshold,
      }));
    for (const [branch, quantity] of Object.entries(p.stock)) {
      const at = branchId(branch as DemoBranch);
      if (await em.findOne(StockLevel, { productId: product.id, branchId: at })) continue;
      await recordMovement(em, product, { branchId: at, quantity, reason: 'received', note: 'demo' });
    }
  }
}

const ids = await identityDemo();
const orm = await createGymOrm(config);
try {
  await runWithContext({ tenantId: ids.tenantId, userId: ids.ownerId }, () =>
    withEm(orm, (em) => seed(em, ids)),
  );
  process.stdout.write(
    `seeded ${DEMO_GYM} (gym): ${TRAINERS.length} trainers, ${MEMBERS.length} members, ${PLANS.length} plans, ` +
      `${CLASSES.length} classes, ${PRODUCTS.length} products; member login ${demoUserEmail('client')}\n`,
  );
} finally {
  await orm.close();
}
