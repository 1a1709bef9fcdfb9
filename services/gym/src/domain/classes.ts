/**
 * Class types, recurring schedules and the occurrences they put on the calendar. A schedule is a
 * weekday and a wall-clock time in its branch's IANA zone: each occurrence is that local time on its
 * day, so a class at 07:00 stays at 07:00 across a DST change (its UTC instant moves).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import { trainerRules } from './trainers.ts';
import { addDays, localInstant, todayIn, weekdayOf } from './dates.ts';
import { ClassOccurrence, ClassSchedule, ClassType } from './entities.ts';

export const presentClassType = (c: ClassType) => ({
  id: c.id,
  name: c.name,
  description: c.description,
  createdAt: c.createdAt.toISOString(),
});

export const presentSchedule = (s: ClassSchedule) => ({
  id: s.id,
  branchId: s.branchId,
  classTypeId: s.classTypeId,
  trainerId: s.trainerId ?? null,
  room: s.room,
  weekday: s.weekday,
  startTime: s.startTime,
  durationMinutes: s.durationMinutes,
  capacity: s.capacity,
  timeZone: s.timeZone,
  startsOn: s.startsOn,
  endsOn: s.endsOn ?? null,
  createdAt: s.createdAt.toISOString(),
});

export const presentOccurrence = (o: ClassOccurrence) => ({
  id: o.id,
  scheduleId: o.scheduleId,
  branchId: o.branchId,
  classTypeId: o.classTypeId,
  trainerId: o.trainerId ?? null,
  room: o.room,
  startsAt: o.startsAt.toISOString(),
  endsAt: o.endsAt.toISOString(),
  localDate: o.localDate,
  capacity: o.capacity,
  booked: o.booked,
  held: o.held,
  seatsLeft: o.status === 'scheduled' ? o.capacity - o.booked - o.held : 0,
  status: o.status,
  cancelledReason: o.cancelledReason ?? null,
});

export async function loadClassType(
  em: EntityManager,
  id: string,
  field = 'body.classTypeId',
): Promise<ClassType> {
  const c = await em.findOne(ClassType, { id });
  if (!c) throw new DomainError('UNKNOWN_REFERENCE', 'No such class type in this business', { field });
  return c;
}

export interface ScheduleInput {
  branchId: string;
  classTypeId: string;
  trainerId?: string | null;
  room?: string;
  weekday: number;
  startTime: string;
  durationMinutes: number;
  capacity: number;
  timeZone: string;
  startsOn: string;
  endsOn?: string | null;
}

/**
 * Puts the schedule's classes on the calendar from today (or its start) through `weeks` weeks
 * ahead (or its end); days already there are left as they are, so generating again is safe.
 */
export async function generateOccurrences(
  em: EntityManager,
  s: ClassSchedule,
  weeks: number,
  now = new Date(),
): Promise<ClassOccurrence[]> {
  const today = todayIn(s.timeZone, now);
  const from = s.startsOn > today ? s.startsOn : today;
  let until = addDays(today, weeks * 7);
  if (s.endsOn && s.endsOn < until) until = s.endsOn;
  const existing = new Set(
    (await em.find(ClassOccurrence, { scheduleId: s.id, localDate: { $gte: from, $lt: until } })).map(
      (o) => o.localDate,
    ),
  );
  const created: ClassOccurrence[] = [];
  for (let d = from; d < until; d = addDays(d, 1)) {
    if (weekdayOf(d) !== s.weekday || existing.has(d)) continue;
    const startsAt = localInstant(d, s.startTime, s.timeZone);
    if (startsAt <= now) continue;
    created.push(
      em.create(ClassOccurrence, {
        tenantId: s.tenantId,
        scheduleId: s.id,
        branchId: s.branchId,
        classTypeId: s.classTypeId,
        trainerId: s.trainerId ?? null,
        room: s.room,
        startsAt,
        endsAt: new Date(startsAt.getTime() + s.durationMinutes * 60_000),
        localDate: d,
        capacity: s.capacity,
      }),
    );
  }
  await trainerRules(() => em.flush()); // [training] the trainer's availability and other classes
  return created;
}

export async function createSchedule(
  em: EntityManager,
  input: ScheduleInput,
  weeks: number,
): Promise<{ schedule: ClassSchedule; occurrences: ClassOccurrence[] }> {
  await loadClassType(em, input.classTypeId);
  if (input.endsOn && input.endsOn <= input.startsOn)
    throw new DomainError('VALIDATION_FAILED', 'endsOn must be after startsOn', { field: 'body.endsOn' });
  // [training] trainerRules: the trainer's profile, availability and other classes (domain/trainers.ts)
  return trainerRules(() =>
    em.transactional(async (tx) => {
      const schedule = tx.create(ClassSchedule, {
        ...input,
        trainerId: input.trainerId ?? null,
        room: input.room ?? '',
        endsOn: input.endsOn ?? null,
      });
      await tx.flush();
      return { schedule, occurrences: await generateOccurrences(tx, schedule, weeks) };
    }),
  );
}

export async function loadSchedule(em: EntityManager, id: string): Promise<ClassSchedule> {
  const s = await em.findOne(ClassSchedule, { id });
  if (!s) throw notFound('Class');
  return s;
}
