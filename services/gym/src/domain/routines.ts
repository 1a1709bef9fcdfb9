/**
 * Routines (wger-like): the exercise catalog, routine templates with versions, assignments of a
 * version to a member by a trainer, workout logs and progress per exercise. Weights are integer
 * grams (1 kg = 1000 g), so nothing is a float.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { DomainError, containsPattern, findPage, notFound } from '@faena/platform';
import { ensureCatalog } from './catalogs.ts';
import type { Member } from './entities.ts';
import {
  Exercise,
  RoutineAssignment,
  RoutineTemplate,
  RoutineVersion,
  WorkoutLog,
  WorkoutSet,
  type EQUIPMENT,
  type RoutineDay,
} from './training-entities.ts';

export const presentExercise = (e: Exercise) => ({
  id: e.id,
  name: e.name,
  nameEs: e.nameEs,
  muscleGroups: e.muscleGroups,
  equipment: e.equipment,
  description: e.description,
  starter: e.seedKey !== null && e.seedKey !== undefined,
  archived: e.archived,
  createdAt: e.createdAt.toISOString(),
});

export interface ExerciseQuery {
  limit: number;
  cursor?: string;
  q?: string;
  muscleGroup?: string;
  equipment?: string;
  archived?: boolean;
}

/** The business's exercises (the starter set seeded on first use), matching `q` in either name. */
export async function listExercises(em: EntityManager, tenantId: string, query: ExerciseQuery) {
  await ensureCatalog(em, tenantId, 'exercises');
  const where: Record<string, unknown>[] = [{ archived: query.archived ?? false }];
  if (query.q) {
    const like = { $ilike: containsPattern(query.q) };
    where.push({ $or: [{ name: like }, { nameEs: like }] });
  }
  if (query.muscleGroup) where.push({ muscleGroups: { $contains: [query.muscleGroup] } });
  if (query.equipment) where.push({ equipment: query.equipment });
  const filter: Record<string, unknown> = { $and: where };
  return findPage(em, Exercise, filter, query);
}

export interface ExerciseInput {
  name: string;
  nameEs?: string;
  muscleGroups: string[];
  equipment: (typeof EQUIPMENT)[number];
  description?: string;
}

export async function createExercise(em: EntityManager, input: ExerciseInput): Promise<Exercise> {
  const e = em.create(Exercise, {
    name: input.name,
    nameEs: input.nameEs ?? '',
    muscleGroups: input.muscleGroups,
    equipment: input.equipment,
    description: input.description ?? '',
    seedKey: null,
  });
  await em.flush();
  return e;
}

export async function loadExercise(em: EntityManager, tenantId: string, id: string): Promise<Exercise> {
  await ensureCatalog(em, tenantId, 'exercises');
  const e = await em.findOne(Exercise, { id });
  if (!e) throw notFound('Exercise');
  return e;
}

/** Every exercise named exists in the business's catalog (archived ones too: old routines keep them). */
async function checkExercises(
  em: EntityManager,
  tenantId: string,
  ids: string[],
  field: string,
  live = true,
): Promise<void> {
  await ensureCatalog(em, tenantId, 'exercises');
  const wanted = [...new Set(ids)];
  if (!wanted.length) return;
  const found = await em.find(Exercise, { id: { $in: wanted }, ...(live && { archived: false }) });
  const known = new Set(found.map((e) => e.id));
  const missing = wanted.find((id) => !known.has(id));
  if (missing)
    throw new DomainError('UNKNOWN_REFERENCE', `No such exercise in this business: ${missing}`, { field });
}

export interface RoutineContent {
  name: string;
  description?: string;
  difficulty: RoutineVersion['difficulty'];
  days: RoutineDay[];
}

export function presentVersion(v: RoutineVersion) {
  return {
    id: v.id,
    templateId: v.templateId,
    version: v.version,
    name: v.name,
    description: v.description,
    difficulty: v.difficulty,
    days: v.days,
    createdBy: v.createdBy ?? null,
    createdAt: v.createdAt.toISOString(),
  };
}

export const presentTemplate = (t: RoutineTemplate, current: RoutineVersion) => ({
  id: t.id,
  name: t.name,
  currentVersion: t.currentVersion,
  clonedFrom: t.clonedFrom ?? null,
  archived: t.archived,
  createdBy: t.createdBy ?? null,
  routine: presentVersion(current),
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

export async function currentVersionOf(em: EntityManager, t: RoutineTemplate): Promise<RoutineVersion> {
  return em.findOneOrFail(RoutineVersion, { templateId: t.id, version: t.currentVersion });
}

export async function loadTemplate(em: EntityManager, id: string): Promise<RoutineTemplate> {
  const t = await em.findOne(RoutineTemplate, { id });
  if (!t) throw notFound('Routine template');
  return t;
}

const writeVersion = (tx: EntityManager, t: RoutineTemplate, version: number, c: RoutineContent) =>
  tx.create(RoutineVersion, {
    tenantId: t.tenantId,
    templateId: t.id,
    version,
    name: c.name,
    description: c.description ?? '',
    difficulty: c.difficulty,
    days: c.days,
  });

/** A new template, version 1. */
export async function createTemplate(
  em: EntityManager,
  tenantId: string,
  content: RoutineContent,
  clonedFrom: string | null = null,
): Promise<{ template: RoutineTemplate; version: RoutineVersion }> {
  await checkExercises(
    em,
    tenantId,
    content.days.flatMap((d) => d.exercises.map((e) => e.exerciseId)),
    'body.days',
    clonedFrom === null,
  );
  return em.transactional(async (tx) => {
    const template = tx.create(RoutineTemplate, { name: content.name, currentVersion: 1, clonedFrom });
    await tx.flush();
    const version = writeVersion(tx, template, 1, content);
    await tx.flush();
    return { template, version };
  });
}

/**
 * Edits a template: a new version with the content, which new assignments get; assignments made
 * earlier keep the version they were given. The template row is locked so that two edits at once
 * get consecutive numbers (the unique `(template, version)` backs it).
 */
export async function editTemplate(
  em: EntityManager,
  t: RoutineTemplate,
  content: RoutineContent,
): Promise<{ template: RoutineTemplate; version: RoutineVersion }> {
  await checkExercises(
    em,
    t.tenantId,
    content.days.flatMap((d) => d.exercises.map((e) => e.exerciseId)),
    'body.days',
  );
  return em.transactional(async (tx) => {
    const template = await tx.findOneOrFail(
      RoutineTemplate,
      { id: t.id },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    template.currentVersion += 1;
    template.name = content.name;
    const version = writeVersion(tx, template, template.currentVersion, content);
    await tx.flush();
    return { template, version };
  });
}

/** A copy of the template's current version as a new template of its own (version 1). */
export async function cloneTemplate(em: EntityManager, t: RoutineTemplate, name?: string) {
  const v = await currentVersionOf(em, t);
  return createTemplate(
    em,
    t.tenantId,
    { name: name ?? v.name, description: v.description, difficulty: v.difficulty, days: v.days },
    t.id,
  );
}

export async function presentAssignments(em: EntityManager, rows: RoutineAssignment[]) {
  const versions = rows.length
    ? await em.find(RoutineVersion, { id: { $in: [...new Set(rows.map((a) => a.versionId))] } })
    : [];
  const byId = new Map(versions.map((v) => [v.id, v]));
  return rows.map((a) => presentAssignment(a, byId.get(a.versionId)!));
}

export const presentAssignment = (a: RoutineAssignment, v: RoutineVersion) => ({
  id: a.id,
  memberId: a.memberId,
  branchId: a.branchId,
  trainerId: a.trainerId,
  startsOn: a.startsOn,
  endsOn: a.endsOn ?? null,
  status: a.status,
  routine: presentVersion(v),
  createdAt: a.createdAt.toISOString(),
});

export interface AssignInput {
  templateId: string;
  /** A version of the template; its current one when omitted. */
  version?: number;
  startsOn: string;
  endsOn?: string | null;
}

export async function assignRoutine(
  em: EntityManager,
  member: Member,
  trainerId: string,
  input: AssignInput,
): Promise<{ assignment: RoutineAssignment; version: RoutineVersion }> {
  if (input.endsOn && input.endsOn <= input.startsOn)
    throw new DomainError('VALIDATION_FAILED', 'endsOn must be after startsOn', { field: 'body.endsOn' });
  const t = await em.findOne(RoutineTemplate, { id: input.templateId });
  if (!t)
    throw new DomainError('UNKNOWN_REFERENCE', 'No such routine template in this business', {
      field: 'body.templateId',
    });
  const version = await em.findOne(RoutineVersion, {
    templateId: t.id,
    version: input.version ?? t.currentVersion,
  });
  if (!version)
    throw new DomainError('UNKNOWN_REFERENCE', 'The template has no such version', { field: 'body.version' });
  const assignment = em.create(RoutineAssignment, {
    memberId: member.id,
    branchId: member.branchId,
    versionId: version.id,
    trainerId,
    startsOn: input.startsOn,
    endsOn: input.endsOn ?? null,
  });
  await em.flush();
  return { assignment, version };
}

export async function loadAssignment(em: EntityManager, id: string): Promise<RoutineAssignment> {
  const a = await em.findOne(RoutineAssignment, { id });
  if (!a) throw notFound('Routine');
  return a;
}

/** Ends an assignment (from `endsOn`, or today): no workouts after it. */
export async function endAssignment(em: EntityManager, a: RoutineAssignment, endsOn: string) {
  if (endsOn <= a.startsOn)
    throw new DomainError('VALIDATION_FAILED', 'endsOn must be after the start', { field: 'body.endsOn' });
  a.status = 'ended';
  a.endsOn = a.endsOn && a.endsOn < endsOn ? a.endsOn : endsOn;
  await em.flush();
  return a;
}

export interface WorkoutInput {
  performedOn: string;
  dayIndex: number;
  notes?: string;
  sets: Array<{ exerciseId: string; reps: number; weightGrams?: number }>;
}

export const presentWorkout = (l: WorkoutLog, sets: WorkoutSet[]) => ({
  id: l.id,
  assignmentId: l.assignmentId,
  memberId: l.memberId,
  performedOn: l.performedOn,
  dayIndex: l.dayIndex,
  notes: l.notes,
  sets: sets
    .filter((s) => s.logId === l.id)
    .sort((a, b) => a.setNumber - b.setNumber)
    .map((s) => ({
      exerciseId: s.exerciseId,
      setNumber: s.setNumber,
      reps: s.reps,
      weightGrams: s.weightGrams,
    })),
  loggedBy: l.createdBy ?? null,
  createdAt: l.createdAt.toISOString(),
});

export async function presentWorkouts(em: EntityManager, logs: WorkoutLog[]) {
  const sets = logs.length ? await em.find(WorkoutSet, { logId: { $in: logs.map((l) => l.id) } }) : [];
  return logs.map((l) => presentWorkout(l, sets));
}

/**
 * Records a workout of an assignment: on a day it covers (from its start, before its end), a day of
 * its routine, exercises of the business's catalog (a substitution is allowed). Sets are numbered
 * in the order given.
 */
export async function logWorkout(
  em: EntityManager,
  a: RoutineAssignment,
  input: WorkoutInput,
  actor: string,
): Promise<{ log: WorkoutLog; sets: WorkoutSet[] }> {
  if (input.performedOn < a.startsOn || (a.endsOn && input.performedOn >= a.endsOn))
    throw new DomainError(
      'ASSIGNMENT_NOT_ACTIVE',
      `The routine covers ${a.startsOn}${a.endsOn ? ` to ${a.endsOn} (exclusive)` : ' on'}`,
      { field: 'body.performedOn' },
    );
  const version = await em.findOneOrFail(RoutineVersion, { id: a.versionId });
  if (input.dayIndex >= version.days.length)
    throw new DomainError('VALIDATION_FAILED', `The routine has ${version.days.length} days`, {
      field: 'body.dayIndex',
    });
  await checkExercises(
    em,
    a.tenantId,
    input.sets.map((s) => s.exerciseId),
    'body.sets',
    false,
  );
  return em.transactional(async (tx) => {
    const log = tx.create(WorkoutLog, {
      tenantId: a.tenantId,
      assignmentId: a.id,
      memberId: a.memberId,
      branchId: a.branchId,
      performedOn: input.performedOn,
      dayIndex: input.dayIndex,
      notes: input.notes ?? '',
      createdBy: actor,
    });
    const sets = input.sets.map((s, i) =>
      tx.create(WorkoutSet, {
        tenantId: a.tenantId,
        logId: log.id,
        memberId: a.memberId,
        exerciseId: s.exerciseId,
        performedOn: input.performedOn,
        setNumber: i + 1,
        reps: s.reps,
        weightGrams: s.weightGrams ?? 0,
      }),
    );
    await tx.flush();
    return { log, sets };
  });
}

export function listWorkouts(
  em: EntityManager,
  where: Record<string, unknown>,
  query: { limit: number; cursor?: string },
) {
  return findPage(em, WorkoutLog, where, query);
}

export interface ProgressDay {
  date: string;
  sets: number;
  reps: number;
  bestWeightGrams: number;
  estimatedOneRepMaxGrams: number;
  volumeGrams: number;
}

/**
 * Progress per exercise, day by day: the heaviest set, the estimated one-rep max (Epley:
 * `weight × (1 + reps / 30)`, the highest of the day's sets, rounded half up to the gram; sets of
 * 0 reps give no estimate) and the volume (Σ weight × reps, in grams).
 */
export async function progressOf(em: EntityManager, member: Member, exerciseId?: string) {
  const rows = await em.execute<
    Array<{
      exercise_id: string;
      day: string;
      sets: string;
      reps: string;
      best: number;
      e1rm: string | null;
      volume: string;
    }>
  >(
    `select exercise_id, to_char(performed_on, 'YYYY-MM-DD') as day, count(*) as sets, sum(reps) as reps,
        max(weight_grams) as best,
        max(case when reps > 0 then round(weight_grams * (30 + reps) / 30.0) end) as e1rm,
        sum(weight_grams::bigint * reps) as volume
      from gym.workout_sets where tenant_id = ? and member_id = ? ${exerciseId ? 'and exercise_id = ?' : ''}
      group by exercise_id, performed_on order by exercise_id, performed_on`,
    [member.tenantId, member.id, ...(exerciseId ? [exerciseId] : [])],
  );
  const byExercise = new Map<string, ProgressDay[]>();
  for (const r of rows) {
    const days = byExercise.get(r.exercise_id) ?? [];
    days.push({
      date: r.day,
      sets: Number(r.sets),
      reps: Number(r.reps),
      bestWeightGrams: Number(r.best),
      estimatedOneRepMaxGrams: Number(r.e1rm ?? 0),
      volumeGrams: Number(r.volume),
    });
    byExercise.set(r.exercise_id, days);
  }
  return [...byExercise].map(([id, days]) => ({
    exerciseId: id,
    bestWeightGrams: Math.max(...days.map((d) => d.bestWeightGrams)),
    bestEstimatedOneRepMaxGrams: Math.max(...days.map((d) => d.estimatedOneRepMaxGrams)),
    totalVolumeGrams: days.reduce((s, d) => s + d.volumeGrams, 0),
    days,
  }));
}
