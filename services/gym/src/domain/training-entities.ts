/**
 * Trainers, the exercise catalog, routines and workouts, nutrition, member photos (schema `gym`).
 * Listed in `entities.ts`; the rules no entity can say (a trainer teaches within their availability
 * and never two classes at once, tenant-consistent references, one version number per template…)
 * are constraints of `Migration20261206130000_training`.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';

const day = () => p.string().columnType('date');
const createdAt = {
  createdAt: p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date()),
};

/** A staff identity user (role `trainer`) with a gym profile. The id is the identity user id. */
export const Trainer = defineEntity({
  name: 'Trainer',
  tableName: 'trainers',
  properties: {
    id: p.uuid().primary(),
    ...tenantProperty,
    /** Home branch: the profile is managed by grants covering it. */
    branchId: p.uuid().index(),
    displayName: p.string().length(120),
    bio: p.text().default(''),
    specialties: p.array().columnType('text[]').default([]),
    /** The branch's IANA zone: availability is wall-clock time there. */
    timeZone: p.string().length(64),
    active: p.boolean().default(true),
    ...auditProperties,
  },
});
export type Trainer = InferEntity<typeof Trainer>;

/** One weekly window a trainer may teach in: `weekday` (1 = Monday) from `startTime` to `endTime`, local. */
export const TrainerAvailability = defineEntity({
  name: 'TrainerAvailability',
  tableName: 'trainer_availability',
  properties: {
    ...idProperty,
    ...tenantProperty,
    trainerId: p.uuid().index(),
    weekday: p.integer(),
    /** `HH:mm` (a `time` column; `24:00` ends a window at midnight). */
    startTime: p.string().columnType('time'),
    endTime: p.string().columnType('time'),
    ...createdAt,
  },
});
export type TrainerAvailability = InferEntity<typeof TrainerAvailability>;

/** A certificate of a trainer: what it is and the uploaded file (PDF or image, checked by content). */
export const TrainerCertification = defineEntity({
  name: 'TrainerCertification',
  tableName: 'trainer_certifications',
  properties: {
    ...idProperty,
    ...tenantProperty,
    trainerId: p.uuid().index(),
    name: p.string().length(200),
    issuer: p.string().length(200).default(''),
    issuedOn: day().nullable(),
    expiresOn: day().nullable(),
    storageKey: p.string().length(300),
    contentType: p.string().length(64),
    size: p.integer(),
    ...auditProperties,
  },
});
export type TrainerCertification = InferEntity<typeof TrainerCertification>;

export const MUSCLE_GROUPS = [
  'chest',
  'back',
  'shoulders',
  'biceps',
  'triceps',
  'forearms',
  'core',
  'glutes',
  'quadriceps',
  'hamstrings',
  'calves',
  'full_body',
  'cardio',
] as const;
export const EQUIPMENT = [
  'barbell',
  'dumbbell',
  'kettlebell',
  'machine',
  'cable',
  'bodyweight',
  'band',
  'bench',
  'cardio_machine',
  'other',
] as const;

/** The business's exercise catalog (seeded with a starter set, `seedKey` set on those). */
export const Exercise = defineEntity({
  name: 'Exercise',
  tableName: 'exercises',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(120),
    /** The Spanish name (the starter set's alias; the business may write its own). */
    nameEs: p.string().length(120).default(''),
    muscleGroups: p.array().columnType('text[]').default([]),
    equipment: p.enum(EQUIPMENT),
    description: p.text().default(''),
    /** The starter set's key (null for the business's own): seeding again adds nothing twice. */
    seedKey: p.string().length(60).nullable(),
    archived: p.boolean().default(false),
    ...auditProperties,
  },
});
export type Exercise = InferEntity<typeof Exercise>;

/** One exercise of a routine day: sets × reps at a weight (grams), rest, tempo (e.g. `3-1-1-0`). */
export interface RoutineExercise {
  exerciseId: string;
  sets: number;
  reps: number;
  /** Grams (fixed point: 1 kg = 1000); null for bodyweight. */
  weightGrams: number | null;
  restSeconds: number;
  tempo: string | null;
  notes: string;
}
export interface RoutineDay {
  name: string;
  exercises: RoutineExercise[];
}

/** A routine template (the library): its current version is the one a new assignment gets. */
export const RoutineTemplate = defineEntity({
  name: 'RoutineTemplate',
  tableName: 'routine_templates',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(120),
    currentVersion: p.integer().default(1),
    /** The template it was cloned from. */
    clonedFrom: p.uuid().nullable(),
    archived: p.boolean().default(false),
    ...auditProperties,
  },
});
export type RoutineTemplate = InferEntity<typeof RoutineTemplate>;

/** A frozen version of a template: editing the template writes a new one; assignments keep theirs. */
export const RoutineVersion = defineEntity({
  name: 'RoutineVersion',
  tableName: 'routine_versions',
  properties: {
    ...idProperty,
    ...tenantProperty,
    templateId: p.uuid().index(),
    version: p.integer(),
    name: p.string().length(120),
    description: p.text().default(''),
    difficulty: p.enum(['beginner', 'intermediate', 'advanced'] as const),
    days: p.json<RoutineDay[]>(),
    ...createdAt,
    createdBy: p.uuid().nullable(),
  },
});
export type RoutineVersion = InferEntity<typeof RoutineVersion>;

export const ASSIGNMENT_STATUSES = ['active', 'ended'] as const;

/** A routine version assigned by a trainer to a member for `[startsOn, endsOn)`. */
export const RoutineAssignment = defineEntity({
  name: 'RoutineAssignment',
  tableName: 'routine_assignments',
  properties: {
    ...idProperty,
    ...tenantProperty,
    memberId: p.uuid().index(),
    /** The member's home branch, copied: assignments are branch records. */
    branchId: p.uuid(),
    versionId: p.uuid(),
    /** The trainer (identity user) who assigned it and follows the member on it. */
    trainerId: p.uuid(),
    startsOn: day(),
    endsOn: day().nullable(),
    status: p.enum(ASSIGNMENT_STATUSES).default('active'),
    ...auditProperties,
  },
});
export type RoutineAssignment = InferEntity<typeof RoutineAssignment>;

/** A workout done on a day of an assignment, logged by the member or their trainer. */
export const WorkoutLog = defineEntity({
  name: 'WorkoutLog',
  tableName: 'workout_logs',
  properties: {
    ...idProperty,
    ...tenantProperty,
    assignmentId: p.uuid().index(),
    memberId: p.uuid().index(),
    branchId: p.uuid(),
    performedOn: day(),
    /** Which day of the routine (0-based). */
    dayIndex: p.integer(),
    notes: p.text().default(''),
    ...createdAt,
    createdBy: p.uuid().nullable(),
  },
});
export type WorkoutLog = InferEntity<typeof WorkoutLog>;

/** One set done: reps at a weight (grams). */
export const WorkoutSet = defineEntity({
  name: 'WorkoutSet',
  tableName: 'workout_sets',
  properties: {
    ...idProperty,
    ...tenantProperty,
    logId: p.uuid().index(),
    memberId: p.uuid(),
    exerciseId: p.uuid(),
    performedOn: day(),
    setNumber: p.integer(),
    reps: p.integer(),
    weightGrams: p.integer().default(0),
  },
});
export type WorkoutSet = InferEntity<typeof WorkoutSet>;

/** An ingredient of the catalog: energy and macros per 100 g (kcal; milligrams). */
export const Ingredient = defineEntity({
  name: 'Ingredient',
  tableName: 'ingredients',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(120),
    nameEs: p.string().length(120).default(''),
    kcalPer100g: p.integer(),
    proteinMgPer100g: p.integer(),
    carbsMgPer100g: p.integer(),
    fatMgPer100g: p.integer(),
    seedKey: p.string().length(60).nullable(),
    archived: p.boolean().default(false),
    ...auditProperties,
  },
});
export type Ingredient = InferEntity<typeof Ingredient>;

/** Energy (kcal) and macros (mg), integers. */
export interface Macros {
  kcal: number;
  proteinMg: number;
  carbsMg: number;
  fatMg: number;
}
/** A meal line as stored: the ingredient, its grams and what they give, computed when saved. */
export interface MealItem extends Macros {
  ingredientId: string;
  name: string;
  grams: number;
}
export interface Meal extends Macros {
  name: string;
  items: MealItem[];
}

/** A nutrition plan: a template, or a member's copy of one (assigned, with its dates). */
export const NutritionPlan = defineEntity({
  name: 'NutritionPlan',
  tableName: 'nutrition_plans',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(120),
    description: p.text().default(''),
    isTemplate: p.boolean(),
    /** The template it was copied from (a member's plan). */
    templateId: p.uuid().nullable(),
    memberId: p.uuid().nullable().index(),
    /** The member's home branch (member plans are branch records). */
    branchId: p.uuid().nullable(),
    assignedBy: p.uuid().nullable(),
    startsOn: day().nullable(),
    endsOn: day().nullable(),
    meals: p.json<Meal[]>(),
    kcal: p.integer(),
    proteinMg: p.integer(),
    carbsMg: p.integer(),
    fatMg: p.integer(),
    ...auditProperties,
  },
});
export type NutritionPlan = InferEntity<typeof NutritionPlan>;

/** A member's photo (one per member; a new upload replaces it). */
export const MemberPhoto = defineEntity({
  name: 'MemberPhoto',
  tableName: 'member_photos',
  properties: {
    memberId: p.uuid().primary(),
    ...tenantProperty,
    storageKey: p.string().length(300),
    contentType: p.string().length(64),
    size: p.integer(),
    ...auditProperties,
  },
});
export type MemberPhoto = InferEntity<typeof MemberPhoto>;

/** A starter catalog seeded once per business (`exercises`, `ingredients`). */
export const CatalogSeed = defineEntity({
  name: 'CatalogSeed',
  tableName: 'catalog_seeds',
  properties: {
    tenantId: p.uuid().primary(),
    catalog: p.string().length(40).primary(),
    ...createdAt,
  },
});
export type CatalogSeed = InferEntity<typeof CatalogSeed>;

export const trainingEntities = [
  Trainer,
  TrainerAvailability,
  TrainerCertification,
  Exercise,
  RoutineTemplate,
  RoutineVersion,
  RoutineAssignment,
  WorkoutLog,
  WorkoutSet,
  Ingredient,
  NutritionPlan,
  MemberPhoto,
  CatalogSeed,
];
