/**
 * Trainers: a staff identity user (role `trainer`) with a gym profile (specialties, certificates,
 * weekly availability in the branch's zone). Who teaches a class is checked by the database
 * (`Migration20261206130000_training`): the profile must exist, the class must lie inside one of the
 * trainer's windows, and no two scheduled classes of a trainer overlap. `trainerRules` turns those
 * refusals into the API's codes; classes code runs every write of a trainer through it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { DomainError, notFound, type Storage, type StoredUpload } from '@faena/platform';
import { ClassOccurrence, ClassSchedule } from './entities.ts';
import {
  isCheckViolation,
  isExclusionViolation,
  isForeignKeyViolation,
  isUniqueViolation,
} from '@faena/platform';
import { Trainer, TrainerAvailability, TrainerCertification } from './training-entities.ts';

export interface AvailabilityWindow {
  weekday: number;
  /** Local `HH:mm`. */
  startTime: string;
  /** Local `HH:mm`, after `startTime`; `24:00` is midnight at the end of the day. */
  endTime: string;
}

export interface TrainerInput {
  userId: string;
  branchId: string;
  displayName: string;
  bio?: string;
  specialties?: string[];
  timeZone: string;
  availability?: AvailabilityWindow[];
}

const hhmm = (t: string) => t.slice(0, 5);

export const presentAvailability = (a: TrainerAvailability): AvailabilityWindow => ({
  weekday: a.weekday,
  startTime: hhmm(a.startTime),
  endTime: a.endTime.startsWith('24') ? '24:00' : hhmm(a.endTime),
});

export const presentCertification = (c: TrainerCertification) => ({
  id: c.id,
  trainerId: c.trainerId,
  name: c.name,
  issuer: c.issuer,
  issuedOn: c.issuedOn ?? null,
  expiresOn: c.expiresOn ?? null,
  contentType: c.contentType,
  size: c.size,
  createdAt: c.createdAt.toISOString(),
});

export function presentTrainer(
  t: Trainer,
  availability: TrainerAvailability[],
  certifications: TrainerCertification[],
) {
  return {
    id: t.id,
    branchId: t.branchId,
    displayName: t.displayName,
    bio: t.bio,
    specialties: t.specialties,
    timeZone: t.timeZone,
    active: t.active,
    availability: availability
      .filter((a) => a.trainerId === t.id)
      .sort((a, b) => a.weekday - b.weekday || a.startTime.localeCompare(b.startTime))
      .map(presentAvailability),
    certifications: certifications.filter((c) => c.trainerId === t.id).map(presentCertification),
    createdAt: t.createdAt.toISOString(),
  };
}

/** The trainers with their windows and certificates, ready to present. */
export async function presentTrainers(em: EntityManager, trainers: Trainer[]) {
  const ids = trainers.map((t) => t.id);
  const [availability, certifications] = ids.length
    ? await Promise.all([
        em.find(TrainerAvailability, { trainerId: { $in: ids } }),
        em.find(TrainerCertification, { trainerId: { $in: ids } }, { orderBy: { createdAt: 'asc' } }),
      ])
    : [[], []];
  return trainers.map((t) => presentTrainer(t, availability, certifications));
}

export async function loadTrainer(em: EntityManager, id: string): Promise<Trainer> {
  const t = await em.findOne(Trainer, { id });
  if (!t) throw notFound('Trainer');
  return t;
}

/** Windows of one day may not overlap (the database's exclusion constraint says the same). */
function checkWindows(windows: AvailabilityWindow[], field = 'body.availability'): void {
  const sorted = [...windows].sort((a, b) => a.weekday - b.weekday || a.startTime.localeCompare(b.startTime));
  sorted.forEach((w, i) => {
    if (w.endTime <= w.startTime)
      throw new DomainError('VALIDATION_FAILED', 'A window ends after it starts', { field });
    const prev = sorted[i - 1];
    if (prev && prev.weekday === w.weekday && prev.endTime > w.startTime)
      throw new DomainError('VALIDATION_FAILED', `Windows of weekday ${w.weekday} overlap`, { field });
  });
}

function writeWindows(tx: EntityManager, t: Trainer, windows: AvailabilityWindow[]) {
  for (const w of windows)
    tx.create(TrainerAvailability, {
      tenantId: t.tenantId,
      trainerId: t.id,
      weekday: w.weekday,
      startTime: w.startTime,
      endTime: w.endTime,
    });
}

export async function createTrainer(em: EntityManager, input: TrainerInput): Promise<Trainer> {
  checkWindows(input.availability ?? []);
  try {
    return await em.transactional(async (tx) => {
      const t = tx.create(Trainer, {
        id: input.userId,
        branchId: input.branchId,
        displayName: input.displayName,
        bio: input.bio ?? '',
        specialties: input.specialties ?? [],
        timeZone: input.timeZone,
      });
      await tx.flush();
      writeWindows(tx, t, input.availability ?? []);
      await tx.flush();
      return t;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new DomainError('ALREADY_EXISTS', 'That user already has a trainer profile', {
        field: 'body.userId',
      });
    throw err;
  }
}

export async function updateTrainer(
  em: EntityManager,
  t: Trainer,
  patch: Partial<Pick<Trainer, 'displayName' | 'bio' | 'specialties' | 'timeZone' | 'active'>>,
): Promise<Trainer> {
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) Object.assign(t, { [k]: v });
  await em.flush();
  return t;
}

/**
 * Replaces the trainer's weekly windows. The profile row is locked for the change, and the
 * database's availability check reads it `for share`, so an assignment made meanwhile is checked
 * against the old windows or the new ones, never against half of them. By default (a manager's
 * change) classes already assigned stay assigned: the windows apply to assignments from now on.
 * With `keepClasses` (the trainer's own change) the new windows must still hold every scheduled
 * class the trainer teaches after `now`: each is checked again by the database's own rule (the
 * `class_occurrences_trainer_available` trigger, run by rewriting its trainer), and one left
 * outside refuses the whole change with 409 `TRAINER_UNAVAILABLE`: a trainer cannot walk away
 * from their classes by editing their availability; a manager reassigns them first.
 */
export async function setAvailability(
  em: EntityManager,
  trainerId: string,
  windows: AvailabilityWindow[],
  opts: { keepClasses?: boolean; now?: Date; field?: string } = {},
): Promise<TrainerAvailability[]> {
  checkWindows(windows, opts.field);
  try {
    return await em.transactional(async (tx) => {
      const t = await tx.findOne(Trainer, { id: trainerId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!t) throw notFound('Trainer');
      await tx.nativeDelete(TrainerAvailability, { trainerId: t.id });
      writeWindows(tx, t, windows);
      await tx.flush();
      // An inactive trainer teaches no new class; the classes they kept are the managers' to reassign.
      if (opts.keepClasses && t.active)
        await tx.execute(
          `update "gym"."class_occurrences" set "trainer_id" = "trainer_id"
            where "tenant_id" = ? and "trainer_id" = ? and "status" = 'scheduled' and "starts_at" > ?`,
          [t.tenantId, t.id, opts.now ?? new Date()],
        );
      return tx.find(TrainerAvailability, { trainerId: t.id });
    });
  } catch (err) {
    if (isCheckViolation(err, 'class_occurrences_trainer_available'))
      throw new DomainError(
        'TRAINER_UNAVAILABLE',
        'A class you teach from now on would be outside these windows: ask a manager to reassign it first',
        { field: opts.field ?? 'body.windows' },
      );
    throw err;
  }
}

/**
 * Runs a write that gives classes a trainer and answers the database's refusals with the API's
 * codes: another class of the trainer at that time is 409 `TRAINER_BUSY`, a class outside the
 * trainer's availability 409 `TRAINER_UNAVAILABLE`, a trainer without a (active) gym profile 422
 * `UNKNOWN_REFERENCE`. Classes code (`createSchedule`, `generateOccurrences`) calls it too.
 */
export async function trainerRules<T>(write: () => Promise<T>, field = 'body.trainerId'): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isExclusionViolation(err, 'class_occurrences_trainer_free'))
      throw new DomainError('TRAINER_BUSY', 'The trainer teaches another class at that time', { field });
    if (isCheckViolation(err, 'class_occurrences_trainer_available'))
      throw new DomainError('TRAINER_UNAVAILABLE', "The class is outside the trainer's availability", {
        field,
      });
    if (
      [
        'class_occurrences_trainer_profile',
        'class_schedules_tenant_trainer_id_foreign',
        'class_occurrences_tenant_trainer_id_foreign',
      ].some((c) => isForeignKeyViolation(err, c))
    )
      throw new DomainError('UNKNOWN_REFERENCE', 'No trainer with a gym profile by that id', { field });
    throw err;
  }
}

/**
 * Gives a class on the calendar a trainer (or none), checked like every assignment. A cancelled
 * class keeps no trainer rule (the database checks scheduled ones).
 */
export async function assignOccurrence(
  em: EntityManager,
  o: ClassOccurrence,
  trainerId: string | null,
): Promise<ClassOccurrence> {
  return trainerRules(async () => {
    o.trainerId = trainerId;
    await em.flush();
    return o;
  });
}

/**
 * Gives a recurring class a trainer (or none): the schedule and every one of its classes still to
 * come, in one transaction, so one conflict refuses the whole change.
 */
export async function assignSchedule(
  em: EntityManager,
  s: ClassSchedule,
  trainerId: string | null,
  now = new Date(),
): Promise<{ schedule: ClassSchedule; occurrences: number }> {
  return trainerRules(() =>
    em.transactional(async (tx) => {
      const schedule = await tx.findOneOrFail(ClassSchedule, { id: s.id });
      schedule.trainerId = trainerId;
      const upcoming = await tx.find(ClassOccurrence, { scheduleId: s.id, startsAt: { $gt: now } });
      for (const o of upcoming) o.trainerId = trainerId;
      await tx.flush();
      return { schedule, occurrences: upcoming.length };
    }),
  );
}

/** The classes a trainer teaches between `from` and `to` (at most 1000), soonest first. */
export function trainerSchedule(em: EntityManager, trainerId: string, from: Date, to: Date) {
  return em.find(
    ClassOccurrence,
    { trainerId, startsAt: { $gte: from, $lt: to } },
    { orderBy: { startsAt: 'asc', id: 'asc' }, limit: 1000 },
  );
}

export interface CertificationInput {
  name: string;
  issuer?: string;
  issuedOn?: string | null;
  expiresOn?: string | null;
}

/** A certificate expires after it was issued (checked before its file is stored). */
export function checkCertification(input: CertificationInput): void {
  if (input.issuedOn && input.expiresOn && input.expiresOn <= input.issuedOn)
    throw new DomainError('VALIDATION_FAILED', 'expiresOn must be after issuedOn', {
      field: 'body.expiresOn',
    });
}

/** Records a certificate whose file `storeUploads` wrote (its id and key). */
export async function addCertification(
  em: EntityManager,
  t: Trainer,
  input: CertificationInput,
  file: StoredUpload,
): Promise<TrainerCertification> {
  checkCertification(input);
  const c = em.create(TrainerCertification, {
    id: file.id,
    tenantId: t.tenantId,
    trainerId: t.id,
    name: input.name,
    issuer: input.issuer ?? '',
    issuedOn: input.issuedOn ?? null,
    expiresOn: input.expiresOn ?? null,
    storageKey: file.key,
    contentType: file.contentType,
    size: file.body.length,
  });
  await em.flush();
  return c;
}

export async function removeCertification(
  em: EntityManager,
  storage: Storage,
  c: TrainerCertification,
): Promise<void> {
  em.remove(c);
  await em.flush();
  await storage.delete(c.storageKey);
}
