/**
 * What the trainers, routines, nutrition and photo routes answer: one schema per presenter
 * (domain/trainers.ts, routines.ts, nutrition.ts, photos.ts).
 */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import { ASSIGNMENT_STATUSES, EQUIPMENT, MUSCLE_GROUPS } from '../domain/training-entities.ts';

const iso = Joi.string().isoDate();
const day = Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/);
const nullable = <T extends Joi.Schema>(s: T) => s.allow(null).required();
const int = () => Joi.number().integer();

export const windowOut = Joi.object({
  weekday: int().min(1).max(7).required(),
  startTime: Joi.string().required(),
  endTime: Joi.string().required(),
});

export const certificationOut = Joi.object({
  id: uuid.required(),
  trainerId: uuid.required(),
  name: Joi.string().required(),
  issuer: Joi.string().allow('').required(),
  issuedOn: nullable(day),
  expiresOn: nullable(day),
  contentType: Joi.string().required(),
  size: int().required(),
  createdAt: iso.required(),
});

export const trainerOut = Joi.object({
  id: uuid.required().description('the identity user id'),
  branchId: uuid.required(),
  displayName: Joi.string().required(),
  bio: Joi.string().allow('').required(),
  specialties: Joi.array().items(Joi.string()).required(),
  timeZone: Joi.string().required(),
  active: Joi.boolean().required(),
  availability: Joi.array().items(windowOut).required(),
  certifications: Joi.array().items(certificationOut).required(),
  createdAt: iso.required(),
});

export const exerciseOut = Joi.object({
  id: uuid.required(),
  name: Joi.string().required(),
  nameEs: Joi.string().allow('').required(),
  muscleGroups: Joi.array()
    .items(Joi.string().valid(...MUSCLE_GROUPS))
    .required(),
  equipment: Joi.string()
    .valid(...EQUIPMENT)
    .required(),
  description: Joi.string().allow('').required(),
  starter: Joi.boolean().required().description('one of the starter set every business gets'),
  archived: Joi.boolean().required(),
  createdAt: iso.required(),
});

const routineExerciseOut = Joi.object({
  exerciseId: uuid.required(),
  sets: int().required(),
  reps: int().required(),
  weightGrams: nullable(int()),
  restSeconds: int().required(),
  tempo: nullable(Joi.string()),
  notes: Joi.string().allow('').required(),
});

export const versionOut = Joi.object({
  id: uuid.required(),
  templateId: uuid.required(),
  version: int().required(),
  name: Joi.string().required(),
  description: Joi.string().allow('').required(),
  difficulty: Joi.string().required(),
  days: Joi.array()
    .items(
      Joi.object({
        name: Joi.string().required(),
        exercises: Joi.array().items(routineExerciseOut).required(),
      }),
    )
    .required(),
  createdBy: nullable(uuid),
  createdAt: iso.required(),
});

export const templateOut = Joi.object({
  id: uuid.required(),
  name: Joi.string().required(),
  currentVersion: int().required(),
  clonedFrom: nullable(uuid),
  archived: Joi.boolean().required(),
  createdBy: nullable(uuid),
  routine: versionOut.required().description('the current version'),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const assignmentOut = Joi.object({
  id: uuid.required(),
  memberId: uuid.required(),
  branchId: uuid.required(),
  trainerId: uuid.required(),
  startsOn: day.required(),
  endsOn: nullable(day).description('exclusive'),
  status: Joi.string()
    .valid(...ASSIGNMENT_STATUSES)
    .required(),
  routine: versionOut.required().description('the version assigned (kept when the template changes)'),
  createdAt: iso.required(),
});

export const workoutOut = Joi.object({
  id: uuid.required(),
  assignmentId: uuid.required(),
  memberId: uuid.required(),
  performedOn: day.required(),
  dayIndex: int().required(),
  notes: Joi.string().allow('').required(),
  sets: Joi.array()
    .items(
      Joi.object({
        exerciseId: uuid.required(),
        setNumber: int().required(),
        reps: int().required(),
        weightGrams: int().required(),
      }),
    )
    .required(),
  loggedBy: nullable(uuid),
  createdAt: iso.required(),
});

export const progressOut = Joi.object({
  exerciseId: uuid.required(),
  bestWeightGrams: int().required(),
  bestEstimatedOneRepMaxGrams: int().required(),
  totalVolumeGrams: int().required(),
  days: Joi.array()
    .items(
      Joi.object({
        date: day.required(),
        sets: int().required(),
        reps: int().required(),
        bestWeightGrams: int().required(),
        estimatedOneRepMaxGrams: int().required().description('Epley, rounded half up to the gram'),
        volumeGrams: int().required().description('Σ weight × reps'),
      }),
    )
    .required(),
});

const macros = {
  kcal: int().required(),
  proteinMg: int().required(),
  carbsMg: int().required(),
  fatMg: int().required(),
};

export const ingredientOut = Joi.object({
  id: uuid.required(),
  name: Joi.string().required(),
  nameEs: Joi.string().allow('').required(),
  per100g: Joi.object(macros).required(),
  starter: Joi.boolean().required(),
  archived: Joi.boolean().required(),
  createdAt: iso.required(),
});

export const nutritionPlanOut = Joi.object({
  id: uuid.required(),
  name: Joi.string().required(),
  description: Joi.string().allow('').required(),
  isTemplate: Joi.boolean().required(),
  templateId: nullable(uuid),
  memberId: nullable(uuid),
  branchId: nullable(uuid),
  assignedBy: nullable(uuid),
  startsOn: nullable(day),
  endsOn: nullable(day),
  meals: Joi.array()
    .items(
      Joi.object({
        name: Joi.string().required(),
        ...macros,
        items: Joi.array()
          .items(
            Joi.object({
              ingredientId: uuid.required(),
              name: Joi.string().required(),
              grams: int().required(),
              ...macros,
            }),
          )
          .required(),
      }),
    )
    .required(),
  totals: Joi.object(macros).required().description('sums of the lines, each rounded half up'),
  createdBy: nullable(uuid),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const photoOut = Joi.object({
  memberId: uuid.required(),
  contentType: Joi.string().required(),
  size: int().required(),
  url: Joi.string().required(),
  updatedAt: iso.required(),
});
